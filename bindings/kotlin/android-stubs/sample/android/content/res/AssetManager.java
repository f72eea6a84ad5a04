// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content.res;
import java.io.IOException;
import java.io.InputStream;
public final class AssetManager {
    public InputStream open(String fileName) throws IOException { throw new IOException(); }
}
