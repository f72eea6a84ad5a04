// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.os;
public final class Bundle {
    public void putFloat(String key, float value) {}
}
