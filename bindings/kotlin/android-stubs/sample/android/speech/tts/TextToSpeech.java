// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.speech.tts;
import android.content.Context;
import android.os.Bundle;
import java.util.Locale;
public class TextToSpeech {
    public static final int SUCCESS = 0;
    public static final int ERROR = -1;
    public static final int LANG_MISSING_DATA = -1;
    public static final int LANG_NOT_SUPPORTED = -2;
    public static final int QUEUE_ADD = 1;
    public TextToSpeech(Context context, OnInitListener listener) {}
    public int setLanguage(Locale loc) { return 0; }
    public int setSpeechRate(float speechRate) { return 0; }
    public int setPitch(float pitch) { return 0; }
    public int speak(CharSequence text, int queueMode, Bundle params, String utteranceId) { return 0; }
    public int stop() { return 0; }
    public boolean isSpeaking() { return false; }
    public void shutdown() {}
    public int setOnUtteranceProgressListener(UtteranceProgressListener listener) { return 0; }
    public interface OnInitListener {
        void onInit(int status);
    }
    public class Engine {
        public static final String KEY_PARAM_VOLUME = "volume";
    }
}
