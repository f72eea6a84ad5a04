// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.media;
import java.nio.ByteBuffer;
public class AudioRecord {
    public static final int STATE_INITIALIZED = 1;
    public AudioRecord(int audioSource, int sampleRateInHz, int channelConfig, int audioFormat, int bufferSizeInBytes) {}
    public static int getMinBufferSize(int sampleRateInHz, int channelConfig, int audioFormat) { return 0; }
    public int getState() { return 0; }
    public void startRecording() {}
    public int read(ByteBuffer audioBuffer, int sizeInBytes) { return 0; }
    public void stop() {}
    public void release() {}
}
