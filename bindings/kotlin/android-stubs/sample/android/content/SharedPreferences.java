// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content;
public interface SharedPreferences {
    boolean contains(String key);
    long getLong(String key, long defValue);
    Editor edit();
    interface Editor {
        Editor putLong(String key, long value);
        Editor remove(String key);
        boolean commit();
        void apply();
    }
}
