// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content;
import android.net.Uri;
public class Intent {
    public static final String ACTION_DIAL = "android.intent.action.DIAL";
    public Intent(String action, Uri uri) {}
}
