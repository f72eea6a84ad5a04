// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.util;
public class TypedValue {
    public static final int COMPLEX_UNIT_SP = 2;
}
