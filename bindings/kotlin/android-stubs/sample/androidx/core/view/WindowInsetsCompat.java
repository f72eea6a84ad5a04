// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package androidx.core.view;
import androidx.core.graphics.Insets;
public class WindowInsetsCompat {
    public static final WindowInsetsCompat CONSUMED = new WindowInsetsCompat();
    public Insets getInsets(int typeMask) { return new Insets(); }
    public static final class Type {
        public static int systemBars() { return 519; }
        public static int ime() { return 8; }
    }
}
