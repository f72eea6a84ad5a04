// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android;
public final class Manifest {
    public static final class permission {
        public static final String RECORD_AUDIO = "android.permission.RECORD_AUDIO";
    }
}
