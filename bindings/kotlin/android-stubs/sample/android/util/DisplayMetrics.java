// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.util;
public class DisplayMetrics {
    public float density;
}
