// The microphone pushed into the core: the host pushes, the core never pulls audio.
package org.tingshuo.sample

import android.Manifest
import android.media.AudioFormat
import android.media.AudioRecord
import android.media.MediaRecorder
import androidx.annotation.RequiresPermission
import java.nio.ByteBuffer
import org.tingshuo.core.VoiceInput
import org.tingshuo.core.VoiceState

private const val RATE = 16_000
private const val FRAME_BYTES = RATE / 50 * 2 // 20 ms of 16-bit mono

/** Records one turn: 16 kHz mono 16-bit PCM pushed 20 ms at a time into a `VoiceInput` until
 *  the core hears her stop (or 30 s ran). Blocks: call it off the main thread. `pauseMillis`
 *  without speech ends her turn: longer than the core's 700 ms default here, for older
 *  customers who stop between words (an app offers it as a setting). */
class Microphone(private val quietLimitMillis: Long = 8_000, private val pauseMillis: UInt = 1_200u) {
    @Volatile private var stopped = false
    @Volatile private var discarded = false

    /** Before `record`, on the main thread: a stop or cancel from then on counts. */
    fun arm() {
        stopped = false
        discarded = false
    }

    /** Ends the recording now: what she said so far is her turn (she pressed Stop). */
    fun stop() {
        stopped = true
    }

    /** Ends the recording and drops it (the app left the screen mid-turn). */
    fun cancel() {
        discarded = true
        stopped = true
    }

    /** The recorded turn, or null when it was cancelled. Nobody speaking for
     *  `quietLimitMillis` ends it too: given to the conversation, a turn with no speech in it
     *  is a silence (a gentle prompt). Nothing is pushed while `assistantTalking()`: the
     *  phone's own voice is not her answer. */
    @RequiresPermission(Manifest.permission.RECORD_AUDIO)
    fun record(assistantTalking: () -> Boolean): VoiceInput? {
        val minimum = AudioRecord.getMinBufferSize(RATE, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_16BIT)
        val recorder = AudioRecord(
            MediaRecorder.AudioSource.VOICE_RECOGNITION,
            RATE,
            AudioFormat.CHANNEL_IN_MONO,
            AudioFormat.ENCODING_PCM_16BIT,
            maxOf(minimum, FRAME_BYTES * 10),
        )
        if (recorder.state != AudioRecord.STATE_INITIALIZED) {
            recorder.release()
            throw IllegalStateException("the microphone could not be opened")
        }
        val input = VoiceInput.withPause(RATE.toUInt(), 1u, pauseMillis)
        // One direct buffer: AudioRecord writes into it, the core reads it without a copy on
        // the JVM side. Android's PCM is little-endian, as the core expects.
        val frame = ByteBuffer.allocateDirect(FRAME_BYTES)
        val started = System.currentTimeMillis()
        var heardSpeech = false
        recorder.startRecording()
        try {
            while (!stopped) {
                val read = recorder.read(frame, FRAME_BYTES)
                if (read <= 0) break
                if (assistantTalking()) continue
                frame.position(0).limit(read)
                when (input.push(frame)) {
                    VoiceState.SPEAKING -> heardSpeech = true
                    VoiceState.ENDED -> break
                    VoiceState.WAITING ->
                        if (!heardSpeech && System.currentTimeMillis() - started > quietLimitMillis) break
                }
            }
        } finally {
            recorder.stop()
            recorder.release()
        }
        if (discarded) {
            input.close()
            return null
        }
        input.finish()
        return input
    }
}
