// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.fragment.app;
public abstract class FragmentActivity extends androidx.activity.ComponentActivity {}
