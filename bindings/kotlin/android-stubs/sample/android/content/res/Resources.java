// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content.res;
import android.util.DisplayMetrics;
public class Resources {
    public DisplayMetrics getDisplayMetrics() { return new DisplayMetrics(); }
}
