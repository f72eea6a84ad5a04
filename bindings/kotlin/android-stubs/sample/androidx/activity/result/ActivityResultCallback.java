// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.activity.result;
public interface ActivityResultCallback<O> {
    void onActivityResult(O result);
}
