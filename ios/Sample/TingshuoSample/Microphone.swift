// The microphone pushed into the core: the host pushes, the core never pulls audio.
import AVFoundation
import TingshuoCore

enum MicrophoneError: Error {
    case unavailable
}

/// One turn of her speech at a time: the hardware's own rate and channels, converted to 16-bit
/// PCM and pushed into a `VoiceInput`, which hears where she starts and stops.
final class Microphone {
    private let engine = AVAudioEngine()
    /// The input of the turn being recorded, if any.
    private(set) var input: VoiceInput?

    /// Asks for the microphone (iOS asks her once and remembers); false when she refused.
    static func permitted() async -> Bool {
        if #available(iOS 17.0, *) {
            return await AVAudioApplication.requestRecordPermission()
        }
        return await withCheckedContinuation { answered in
            AVAudioSession.sharedInstance().requestRecordPermission { granted in
                answered.resume(returning: granted)
            }
        }
    }

    /// The audio session while only the assistant's voice is used: playback, which the silent
    /// switch does not mute, and no input route (the synthesizer activates it as it speaks).
    static func useForSpeech() {
        try? AVAudioSession.sharedInstance().setCategory(.playback, mode: .spokenAudio)
    }

    /// Opens the microphone for one turn. Nothing is pushed while `quiet()` says the assistant
    /// is talking: its voice is not hers. `ended` gets the input once, on an audio thread, when
    /// the core heard her stop (or 30 s ran), or when nobody spoke for eight seconds, which
    /// the conversation hears as a silence.
    func open(quiet: @escaping @Sendable () -> Bool,
              ended: @escaping @Sendable (VoiceInput) -> Void) throws {
        let session = AVAudioSession.sharedInstance()
        // Measurement: the least processing between the microphone and the recognizer. Output
        // to the speaker, not the earpiece, should the assistant speak meanwhile.
        try session.setCategory(.playAndRecord, mode: .measurement, options: [.defaultToSpeaker])
        try session.setActive(true)
        let hardware = engine.inputNode.outputFormat(forBus: 0)
        guard hardware.sampleRate > 0,
              let pcm = AVAudioFormat(commonFormat: .pcmFormatInt16,
                                      sampleRate: hardware.sampleRate,
                                      channels: hardware.channelCount, interleaved: true),
              let converter = AVAudioConverter(from: hardware, to: pcm)
        else { throw MicrophoneError.unavailable }
        // Her turn ends after 1.2 s without speech: longer than the core's 700 ms default, for
        // older customers who stop between words (an app offers it as a setting).
        let input = try VoiceInput.withPause(sampleRate: UInt32(hardware.sampleRate),
                                             channels: UInt16(hardware.channelCount),
                                             pauseMs: 1_200)
        let capture = Capture(input: input, converter: converter, format: pcm,
                              quiet: quiet, ended: ended)
        engine.inputNode.installTap(onBus: 0, bufferSize: 4096, format: hardware) { buffer, _ in
            capture.take(buffer)
        }
        engine.prepare()
        do {
            try engine.start()
        } catch {
            engine.inputNode.removeTap(onBus: 0)
            throw error
        }
        self.input = input
    }

    /// Shuts the microphone; the audio session goes back to the voice alone.
    func close() {
        engine.inputNode.removeTap(onBus: 0)
        engine.stop()
        input = nil
        Self.useForSpeech()
    }
}

/// What the tap keeps between buffers. The tap calls it on its audio thread, one buffer after
/// another, never two at once.
private final class Capture: @unchecked Sendable {
    private let input: VoiceInput
    private let converter: AVAudioConverter
    private let format: AVAudioFormat
    private let quiet: @Sendable () -> Bool
    private let ended: @Sendable (VoiceInput) -> Void
    private let patience: AVAudioFramePosition
    private var waited: AVAudioFramePosition = 0
    private var done = false

    init(input: VoiceInput, converter: AVAudioConverter, format: AVAudioFormat,
         quiet: @escaping @Sendable () -> Bool,
         ended: @escaping @Sendable (VoiceInput) -> Void) {
        self.input = input
        self.converter = converter
        self.format = format
        self.quiet = quiet
        self.ended = ended
        patience = AVAudioFramePosition(format.sampleRate * 8)
    }

    func take(_ buffer: AVAudioPCMBuffer) {
        guard !done, !quiet(),
              let pcm = AVAudioPCMBuffer(pcmFormat: format, frameCapacity: buffer.frameLength)
        else { return }
        let state: VoiceState
        do {
            // Same rate, same channels: only the sample format changes (float to Int16).
            try converter.convert(to: pcm, from: buffer)
            state = try pushMicrophone(buffer: pcm, into: input)
        } catch {
            // Audio the core cannot take ends the turn with what it already has.
            state = .ended
        }
        if state == .waiting {
            waited += AVAudioFramePosition(buffer.frameLength)
        }
        if state == .ended || waited >= patience {
            done = true
            ended(input)
        }
    }
}
