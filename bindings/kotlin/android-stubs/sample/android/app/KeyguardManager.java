// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.app;
public class KeyguardManager {
    public boolean isDeviceSecure() { return true; }
}
