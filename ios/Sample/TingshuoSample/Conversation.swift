// The whole use of the core: open the store, register the phone, sync, open the assistant,
// take typed and spoken turns, and turn the assistant's events into what the screen shows.
import Foundation
import TingshuoCore
import UIKit

/// What an integrator changes, from Info.plist (project.yml); by default the reference bank on
/// this Mac's loopback, which the simulator shares.
enum SampleSettings {
    static var bankURL: String {
        info("TingshuoBankURL") ?? "http://127.0.0.1:8080"
    }

    /// The bank's phone line, for a hand-off. A placeholder: 555-01xx numbers are fictional.
    static var bankPhone: URL {
        URL(string: info("TingshuoBankPhone") ?? "") ?? URL(string: "tel:+15550100")!
    }

    private static func info(_ key: String) -> String? {
        Bundle.main.object(forInfoDictionaryKey: key) as? String
    }
}

/// A line of the transcript: what she typed or was heard saying, or the display form of what
/// the assistant said (its speech form went to the voice).
struct TranscriptLine: Identifiable {
    enum Speaker {
        case customer, assistant
    }

    let id = UUID()
    let speaker: Speaker
    let text: String
}

/// The consent screen to show, in the core's words and the session's language.
struct ConsentRequest: Identifiable {
    let id = UUID()
    let purpose: ConsentPurpose
    let screen: ConsentScreen
}

@MainActor
final class Conversation: ObservableObject {
    enum Phase: Equatable {
        case opening, registering, ready
        case failed(String)
    }

    enum Recognition {
        case loading, ready, notInstalled
    }

    @Published private(set) var phase = Phase.opening
    @Published private(set) var recognition = Recognition.loading
    @Published private(set) var transcript: [TranscriptLine] = []
    @Published private(set) var listening = false
    @Published private(set) var busy = false
    @Published private(set) var microphoneRefused = false
    @Published private(set) var handOff = false
    /// Carries out one of the bank's own commands, by intent name and slots.
    var onBankRequest: ((String, [String: BankSlot]) -> Void)?
    /// She agreed to voice recognition (and may withdraw it here, as in a bank app's settings).
    @Published private(set) var voiceAgreed = false
    @Published var consent: ConsentRequest?
    @Published var notice: String?

    // The host's side (bindings/swift/Host.swift). The step-up hands the approval it got to
    // the payment key, so that one payment asks her once.
    private let signer: KeychainSigner
    private let stepUp: BiometricStepUp
    private let speech = SystemSpeech()
    private let microphone = Microphone()
    private var client: Client?
    private var session: AssistantSession?
    private var listenAgain: Task<Void, Never>?
    /// Loaded once: a session opened again (after registering again) listens with the same.
    private var model: SpeechModel?

    init() {
        let approval = StepUpApproval()
        signer = KeychainSigner(approval: approval)
        stepUp = BiometricStepUp(approval: approval)
    }

    /// Opens the customer's store and, once this phone is registered, the conversation.
    func start() async {
        guard session == nil, !busy else { return }
        busy = true
        defer { busy = false }
        phase = .opening
        Microphone.useForSpeech()
        do {
            let client: Client
            if let opened = self.client {
                client = opened
            } else {
                client = try await openClient(
                    settings: ClientSettings(storePath: Self.storePath(),
                                             bankUrl: SampleSettings.bankURL),
                    keyStore: KeychainKeyStore(), signer: signer)
                self.client = client
            }
            if try await client.sync().isRegistered() {
                await openConversation(client)
            } else {
                phase = .registering
            }
        } catch {
            phase = .failed(describe(error))
        }
    }

    /// Registers this phone with the code the bank sent her by text message (single use).
    func register(customerId: String, enrollmentCode: String) async {
        guard let client, !busy else { return }
        busy = true
        defer { busy = false }
        do {
            try await client.register(
                customerId: customerId.trimmingCharacters(in: .whitespacesAndNewlines),
                enrollmentCode: enrollmentCode.trimmingCharacters(in: .whitespacesAndNewlines),
                deviceName: UIDevice.current.name)
            notice = nil
            await openConversation(client)
        } catch TingshuoError.Offline {
            notice = describe(TingshuoError.Offline)
        } catch {
            notice = String(localized: "This phone could not be set up. Check the code and try again.")
        }
    }

    /// A typed turn.
    func send(_ typed: String) async {
        let text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let session, !text.isEmpty, !busy else { return }
        interrupt()
        transcript.append(TranscriptLine(speaker: .customer, text: text))
        await take { try await session.text(text: text) }
    }

    /// The Speak button: she is about to talk, or (while listening) has finished.
    func speakTapped() async {
        guard let session, recognition == .ready else { return }
        if listening, let input = microphone.input {
            await voiceTurn(input)
            return
        }
        listenAgain?.cancel()
        session.stopSpeaking()
        if (try? await session.consent(purpose: .voiceRecognition)) == .granted {
            await startListening()
        } else {
            // Never asked, or she said no before: tapping Speak is her asking to use her voice,
            // so the consent screen asks her. Agreeing does not open the microphone by itself:
            // the screen reader speaks as the screen closes, and a microphone would hear it.
            await askConsent(.voiceRecognition)
        }
    }

    /// Records what she decided on the consent screen (kept in the store, across sessions).
    func decide(_ request: ConsentRequest, granted: Bool) async {
        consent = nil
        guard let session else { return }
        do {
            try await session.decideConsent(purpose: request.purpose, granted: granted)
            voiceAgreed = granted
        } catch {
            notice = describe(error)
        }
    }

    /// She withdraws her agreement: the microphone shuts now and stays shut until she agrees
    /// again (the Speak button shows the consent screen).
    func stopUsingVoice() async {
        guard let session else { return }
        interrupt()
        do {
            try await session.decideConsent(purpose: .voiceRecognition, granted: false)
            voiceAgreed = false
        } catch {
            notice = describe(error)
        }
    }

    /// Signs her out: what waits is delivered while the bank can be reached, this phone is
    /// removed at the bank, the store and its key are deleted, then the device keys. She is told
    /// what the bank never confirmed (a card lock she must make by phone at once), in the
    /// core's words; the next customer registers on a new store.
    func signOut() async {
        guard let client, !busy else { return }
        interrupt()
        busy = true
        let told: [String]
        var signedOut = false
        do {
            let result = try await client.logout()
            signedOut = true
            told = try result.describe(locale: Self.assistantLocale).map(\.display)
        } catch {
            told = [describe(error)]
        }
        // The device keys go only with the store: a sign-out that failed (the phone's storage
        // could not delete it) keeps them, and she signs out again; what the bank already did
        // (this phone removed) is told then.
        if signedOut {
            try? signer.deleteKeys()
        }
        session = nil
        self.client = nil
        transcript = []
        voiceAgreed = false
        notice = told.joined(separator: "\n")
        busy = false
        // A new store for whoever registers next (after a failed sign-out, hers again).
        await start()
    }

    /// She typed, or the app left the screen: the microphone shuts (what it heard is dropped)
    /// and the assistant stops talking.
    func interrupt() {
        listenAgain?.cancel()
        microphone.close()
        listening = false
        session?.stopSpeaking()
    }

    /// Waits (two seconds at most) for the store's last writes to reach its file.
    func closeBeforeExit() {
        guard let client else { return }
        let closed = DispatchSemaphore(value: 0)
        Task.detached {
            try? await client.closeStore()
            closed.signal()
        }
        _ = closed.wait(timeout: .now() + 2)
    }

    private func openConversation(_ client: Client) async {
        do {
            _ = try await client.sync().syncNow()
        } catch TingshuoError.SessionExpired {
            transcript = []
            phase = .registering
            return
        } catch TingshuoError.DeviceRevoked {
            // Removed from her devices: the core deleted what it held of her; she is told so.
            transcript = []
            phase = .registering
            notice = describe(TingshuoError.DeviceRevoked)
            return
        } catch TingshuoError.Offline {
            // Offline is no failure: the assistant answers from the store, and says how old
            // what it knows is.
            notice = String(localized: "The bank cannot be reached. You can still ask about what this phone knows.")
        } catch {
            notice = describe(error)
        }
        do {
            let session = try await openAssistant(
                client: client, locale: Self.assistantLocale,
                utcOffsetSeconds: Int32(TimeZone.current.secondsFromGMT()),
                host: AssistantHost(stepUp: stepUp, speech: speech, timeZone: SystemTimeZone()))
            self.session = session
            voiceAgreed = (try? await session.consent(purpose: .voiceRecognition)) == .granted
            phase = .ready
            if let model {
                await session.listenWith(model: model)
            } else {
                Task { await loadModel(into: session) }
            }
        } catch {
            phase = .failed(describe(error))
        }
    }

    /// The SHA-256 of `ggml-base-q8_0.bin`, the model the app ships.
    private static let modelSha256 =
        "84daf44940ffff5be8970078b55a6c40859d892cc45e1f1b44fbaeee190bf423"

    /// The speech model, shipped in the app (README.md). Loading takes seconds; typed turns
    /// work meanwhile, and without it.
    private func loadModel(into session: AssistantSession) async {
        guard let path = Bundle.main.path(forResource: "ggml-base-q8_0", ofType: "bin") else {
            recognition = .notInstalled
            return
        }
        do {
            // Only the file the app ships (as `tingshuo models install base-q8_0` installs it):
            // one damaged or swapped is not loaded, and she is told voice is unavailable.
            let model = try await loadSpeechModel(path: path, sha256: Self.modelSha256)
            self.model = model
            await session.listenWith(model: model)
            recognition = .ready
        } catch {
            recognition = .notInstalled
        }
    }

    /// Opens the microphone for one turn, and never before she agreed to voice recognition:
    /// asked of the store each time, since she may have withdrawn it.
    private func startListening() async {
        guard let session, recognition == .ready, !listening,
              (try? await session.consent(purpose: .voiceRecognition)) == .granted
        else { return }
        guard await Microphone.permitted() else {
            microphoneRefused = true
            return
        }
        microphoneRefused = false
        // She may have typed, or the app left the screen, while the awaits above ran.
        guard !listening, !Task.isCancelled, !busy else { return }
        do {
            try microphone.open(quiet: { [speech] in speech.isSpeaking }) { [weak self] input in
                Task { @MainActor in await self?.voiceTurn(input) }
            }
            listening = true
        } catch {
            microphone.close()
            notice = String(localized: "The microphone could not be opened.")
        }
    }

    /// Her turn of speech: the core heard her stop, nobody spoke, or she tapped Stop.
    private func voiceTurn(_ input: VoiceInput) async {
        // The microphone and the Stop button may both end the same turn: the first counts.
        guard listening, input === microphone.input, let session else { return }
        microphone.close()
        listening = false
        await take { try await session.voice(input: input) }
    }

    /// One turn, and what its events ask of the screen.
    private func take(_ turn: () async throws -> [AssistantEvent]) async {
        busy = true
        let events: [AssistantEvent]
        do {
            events = try await turn()
        } catch {
            busy = false
            switch error as? TingshuoError {
            case .SessionExpired?, .DeviceRevoked?:
                // The phone no longer stands for her: nothing of this conversation stays.
                session = nil
                transcript = []
                voiceAgreed = false
                phase = .registering
            default:
                break
            }
            notice = describe(error)
            return
        }
        busy = false
        notice = nil
        var waitsForAnswer = false
        var heardHer = false
        for event in events {
            switch event {
            case let .say(_, display, _):
                transcript.append(TranscriptLine(speaker: .assistant, text: display))
            case let .show(lines):
                transcript += lines.map { TranscriptLine(speaker: .assistant, text: $0.display) }
            case let .heard(text):
                heardHer = true
                transcript.append(TranscriptLine(speaker: .customer, text: text))
            case .listen:
                waitsForAnswer = true
            case let .consentNeeded(purpose):
                // Speech reached the core before she agreed (never from this app, which asks
                // first, unless the consent words changed since she decided).
                await askConsent(purpose)
            case .handOff:
                handOff = true
            case let .bankRequest(intent, slots):
                // The bank's own commands (AssistantHost.bankIntents; this sample gives none)
                // are the app's to carry out: she was told it is under way.
                onBankRequest?(intent, slots)
            case .stepUpRequested, .speechRate, .volume, .pitch:
                // The core asked BiometricStepUp itself and went on with the answer's events;
                // it gives the rate, volume and pitch to SystemSpeech with every sentence.
                break
            }
        }
        // The microphone reopens for an answer only after she spoke and was heard: a typed
        // turn is answered by typing, and a silence does not keep a microphone going round.
        if waitsForAnswer && heardHer {
            listenAgain = Task {
                await assistantFinished()
                if !Task.isCancelled {
                    await startListening()
                }
            }
        }
    }

    /// Waits until the assistant has said what the turn queued, so the microphone does not hear
    /// it. The core hands speech to SystemSpeech on a thread of its own as the turn returns:
    /// it is given a moment to start.
    private func assistantFinished() async {
        try? await Task.sleep(nanoseconds: 300_000_000)
        while speech.isSpeaking && !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    private func askConsent(_ purpose: ConsentPurpose) async {
        guard let session else { return }
        do {
            let screen = try await session.consentScreen(purpose: purpose)
            consent = ConsentRequest(purpose: purpose, screen: screen)
        } catch {
            notice = describe(error)
        }
    }

    /// What went wrong, in her language from the core's messages (offline, storage full, the
    /// bank's reason…); the sample's own words only for what is not the core's.
    private func describe(_ error: Error) -> String {
        guard let known = error as? TingshuoError,
              let line = try? known.describe(locale: Self.assistantLocale)
        else {
            return String(localized: "That did not work. Please try again.")
        }
        return line.display
    }

    /// zh-CN when her first language is Chinese, else en-US: the two the core speaks.
    private static var assistantLocale: String {
        (Locale.preferredLanguages.first ?? "en").hasPrefix("zh") ? "zh-CN" : "en-US"
    }

    /// The store's file in Application Support, kept out of backups: its key never leaves this
    /// device, so a copy elsewhere could not be opened.
    private static func storePath() throws -> String {
        let support = try FileManager.default.url(for: .applicationSupportDirectory,
                                                  in: .userDomainMask,
                                                  appropriateFor: nil, create: true)
        var folder = support.appendingPathComponent("Tingshuo", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try folder.setResourceValues(values)
        return folder.appendingPathComponent("customer.db").path
    }
}
