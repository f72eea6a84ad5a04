// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.appcompat.app;
public abstract class AppCompatActivity extends androidx.fragment.app.FragmentActivity {}
