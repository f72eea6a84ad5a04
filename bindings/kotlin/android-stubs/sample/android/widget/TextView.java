// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.widget;
import android.content.Context;
import android.view.View;
public class TextView extends View {
    public TextView(Context context) { super(context); }
    public CharSequence getText() { return ""; }
    public final void setText(CharSequence text) {}
    public final void setText(int resid) {}
    public final void setHint(int resid) {}
    public void setTextSize(int unit, float size) {}
    public int getGravity() { return 0; }
    public void setGravity(int gravity) {}
    public int getInputType() { return 0; }
    public void setInputType(int type) {}
    public int getMinHeight() { return 0; }
    public void setMinHeight(int minPixels) {}
}
