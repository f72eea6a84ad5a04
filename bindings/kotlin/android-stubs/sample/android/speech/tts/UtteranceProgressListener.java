// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.speech.tts;
public abstract class UtteranceProgressListener {
    public abstract void onStart(String utteranceId);
    public abstract void onDone(String utteranceId);
    @Deprecated public abstract void onError(String utteranceId);
    public void onStop(String utteranceId, boolean interrupted) {}
}
