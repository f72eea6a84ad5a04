// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content;
import android.content.res.AssetManager;
import android.content.res.Resources;
import java.io.File;
public abstract class Context {
    public static final int MODE_PRIVATE = 0;
    public Context getApplicationContext() { return this; }
    public File getNoBackupFilesDir() { return null; }
    public AssetManager getAssets() { return null; }
    public Resources getResources() { return null; }
    public final String getString(int resId) { return ""; }
    public final String getString(int resId, Object... formatArgs) { return ""; }
    public SharedPreferences getSharedPreferences(String name, int mode) { return null; }
    public void startActivity(Intent intent) {}
    public final <T> T getSystemService(Class<T> serviceClass) { return null; }
}
