// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.biometric;
import androidx.fragment.app.FragmentActivity;
import java.util.concurrent.Executor;
public class BiometricPrompt {
    public BiometricPrompt(FragmentActivity activity, Executor executor, AuthenticationCallback callback) {}
    public void authenticate(PromptInfo info) {}
    public abstract static class AuthenticationCallback {
        public void onAuthenticationError(int errorCode, CharSequence errString) {}
        public void onAuthenticationSucceeded(AuthenticationResult result) {}
        public void onAuthenticationFailed() {}
    }
    public static class AuthenticationResult {}
    public static class PromptInfo {
        public static class Builder {
            public Builder setTitle(CharSequence title) { return this; }
            public Builder setSubtitle(CharSequence subtitle) { return this; }
            public Builder setAllowedAuthenticators(int allowedAuthenticators) { return this; }
            public PromptInfo build() { return new PromptInfo(); }
        }
    }
}
