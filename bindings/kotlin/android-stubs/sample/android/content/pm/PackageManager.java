// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content.pm;
public abstract class PackageManager {
    public static final int PERMISSION_GRANTED = 0;
}
