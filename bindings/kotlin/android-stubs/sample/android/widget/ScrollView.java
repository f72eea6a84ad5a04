// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.widget;
import android.content.Context;
import android.view.ViewGroup;
public class ScrollView extends ViewGroup {
    public ScrollView(Context context) { super(context); }
    public boolean fullScroll(int direction) { return true; }
}
