// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.biometric;
public class BiometricManager {
    public interface Authenticators {
        int BIOMETRIC_STRONG = 0x000F;
        int DEVICE_CREDENTIAL = 0x8000;
    }
}
