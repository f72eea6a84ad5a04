// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.security.keystore;
import java.security.InvalidKeyException;
public class KeyPermanentlyInvalidatedException extends InvalidKeyException {}
