// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.media;
public class MediaRecorder {
    public final class AudioSource {
        public static final int VOICE_RECOGNITION = 6;
    }
}
