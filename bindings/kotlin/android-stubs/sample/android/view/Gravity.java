// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.view;
public class Gravity {
    public static final int START = 0x00800003;
    public static final int END = 0x00800005;
}
