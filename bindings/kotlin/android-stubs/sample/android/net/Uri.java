// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.net;
public abstract class Uri {
    public static Uri parse(String uriString) { return null; }
}
