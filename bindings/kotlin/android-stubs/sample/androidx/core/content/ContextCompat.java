// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.core.content;
import android.content.Context;
import java.util.concurrent.Executor;
public class ContextCompat {
    public static Executor getMainExecutor(Context context) { return null; }
    public static int checkSelfPermission(Context context, String permission) { return 0; }
}
