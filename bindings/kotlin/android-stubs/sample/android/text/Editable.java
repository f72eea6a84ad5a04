// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.text;
public interface Editable extends CharSequence {
    void clear();
}
