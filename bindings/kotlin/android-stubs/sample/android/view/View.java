// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.view;
import android.content.Context;
public class View {
    public static final int VISIBLE = 0;
    public static final int GONE = 8;
    public static final int FOCUS_DOWN = 130;
    public static final int ACCESSIBILITY_LIVE_REGION_POLITE = 1;
    public View(Context context) {}
    public int getVisibility() { return VISIBLE; }
    public void setVisibility(int visibility) {}
    public boolean isEnabled() { return true; }
    public void setEnabled(boolean enabled) {}
    public int getAccessibilityLiveRegion() { return 0; }
    public void setAccessibilityLiveRegion(int mode) {}
    public void setPadding(int left, int top, int right, int bottom) {}
    public CharSequence getContentDescription() { return null; }
    public void setContentDescription(CharSequence contentDescription) {}
    public boolean post(Runnable action) { return true; }
    public void setOnClickListener(OnClickListener l) {}
    public interface OnClickListener {
        void onClick(View v);
    }
}
