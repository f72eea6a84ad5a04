// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.activity.result;
public abstract class ActivityResultLauncher<I> {
    public void launch(I input) {}
}
