// The host's side on iOS: what an app gives the core. Parsed by `make test` (tree-sitter-swift);
// no Swift toolchain reaches the build machine, so it is not compiled there.
import AVFoundation
import CryptoKit
import Foundation
import LocalAuthentication
import TingshuoCore

/// The store's data key, wrapped with an AES key kept in the Keychain (this device only,
/// never in backups).
final class KeychainKeyStore: HostKeyStore, @unchecked Sendable {
    private let account = "tingshuo.kek"

    func wrap(dataKey: Data) throws -> Data {
        let key = try loadKey() ?? createKey()
        guard let sealed = try AES.GCM.seal(dataKey, using: key).combined else {
            throw HostError.Failed
        }
        return sealed
    }

    func unwrap(wrapped: Data) throws -> Data {
        guard let key = try loadKey() else { throw HostError.KeyUnavailable }
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: key)
        } catch is CryptoKitError {
            // Wrapped by a key that is gone, or damaged: nothing can open it, so the core
            // rebuilds the store (a plain failure would leave every open failing).
            throw HostError.KeyUnavailable
        }
    }

    func delete() throws {
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account]
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw HostError.Failed }
    }

    /// The store's write generation, kept as a second Keychain item beside the key.
    func recordGeneration(generation: UInt64) throws {
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account + ".generation"]
        let value = withUnsafeBytes(of: generation.bigEndian) { Data($0) }
        let status = SecItemUpdate(query as CFDictionary,
                                   [kSecValueData as String: value] as CFDictionary)
        if status == errSecItemNotFound {
            var item = query
            item[kSecValueData as String] = value
            item[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
            guard SecItemAdd(item as CFDictionary, nil) == errSecSuccess else { throw HostError.Failed }
        } else if status != errSecSuccess {
            throw HostError.Failed
        }
    }

    func recordedGeneration() throws -> UInt64? {
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account + ".generation",
                                    kSecReturnData as String: true]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = item as? Data, data.count == 8 else {
            throw HostError.Failed
        }
        return data.reduce(0) { ($0 << 8) | UInt64($1) }
    }

    private func loadKey() throws -> SymmetricKey? {
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account,
                                    kSecReturnData as String: true]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = item as? Data else { throw HostError.Failed }
        return SymmetricKey(data: data)
    }

    private func createKey() throws -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let attributes: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
            kSecValueData as String: data,
        ]
        guard SecItemAdd(attributes as CFDictionary, nil) == errSecSuccess else { throw HostError.Failed }
        return key
    }
}

/// The step-up: Face ID, Touch ID or the passcode. Voice never counts.
final class BiometricStepUp: HostStepUp, @unchecked Sendable {
    private let approval: StepUpApproval?

    /// With `approval`, the step-up passed is handed on to the payment key (`KeychainSigner`),
    /// so that the Keychain does not ask her a second time for the same payment.
    init(approval: StepUpApproval? = nil) {
        self.approval = approval
    }

    func authenticate() throws -> Bool {
        let context = LAContext()
        let done = DispatchSemaphore(value: 0)
        var approved = false
        let reason = NSLocalizedString("Approve the payment", comment: "Face ID prompt")
        context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: reason) { success, _ in
            approved = success
            done.signal()
        }
        // The core waits at most three minutes; so does this.
        guard done.wait(timeout: .now() + 180) == .success else { throw HostError.Cancelled }
        if approved {
            approval?.keep(context)
        }
        return approved
    }
}

/// The step-up she just passed, as its evaluated `LAContext`: the Keychain releases the payment
/// key to that context without a second prompt. Kept a few seconds and taken once, so that
/// one approval signs at most one payment.
final class StepUpApproval: @unchecked Sendable {
    private let lock = NSLock()
    private var context: LAContext?
    private var approvedAt = Date.distantPast

    func keep(_ context: LAContext) {
        lock.lock()
        defer { lock.unlock() }
        self.context?.invalidate()
        self.context = context
        approvedAt = Date()
    }

    /// The approval, if it is at most `seconds` old; after this call nobody else gets it.
    func take(within seconds: TimeInterval) -> LAContext? {
        lock.lock()
        defer { lock.unlock() }
        let taken = context
        context = nil
        guard let taken else { return nil }
        guard Date().timeIntervalSince(approvedAt) <= seconds else {
            taken.invalidate()
            return nil
        }
        return taken
    }
}

/// The device's two Ed25519 keys (CryptoKit's Curve25519 signing keys: raw 32-byte public keys,
/// 64-byte signatures), in the Keychain of this device only, never in backups. The login key
/// signs silently while the phone is unlocked. The payment key is stored behind `.userPresence`:
/// the system itself releases it only to Face ID, Touch ID or the passcode, so a payment cannot
/// be signed without her even if the app's own step-up were skipped.
final class KeychainSigner: HostSigner, @unchecked Sendable {
    private let loginAccount = "tingshuo.login"
    private let paymentAccount = "tingshuo.payment"
    /// The payment key's public half, kept apart: registering reads it without a prompt.
    private let paymentPublicAccount = "tingshuo.payment.public"
    private let approval: StepUpApproval?
    private let reuseSeconds: TimeInterval
    private let lock = NSLock()

    /// `approval`: shared with `BiometricStepUp(approval:)`, so that the step-up she just passed
    /// (at most `reuseSeconds` ago) releases the payment key without asking again.
    init(approval: StepUpApproval? = nil, reuseSeconds: TimeInterval = 10) {
        self.approval = approval
        self.reuseSeconds = reuseSeconds
    }

    func loginPublicKey() throws -> Data {
        try loginKey(makeIfMissing: true).publicKey.rawRepresentation
    }

    func paymentPublicKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let stored = try read(paymentPublicAccount) {
            return stored
        }
        // First use: a new pair. A private key left without its public half (an interrupted
        // first use) is replaced: the bank has not been told of it.
        let key = Curve25519.Signing.PrivateKey()
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly, .userPresence, nil)
        else { throw HostError.Failed }
        try remove(paymentAccount)
        try add(paymentAccount, key.rawRepresentation, access: access)
        try add(paymentPublicAccount, key.publicKey.rawRepresentation)
        return key.publicKey.rawRepresentation
    }

    func signLogin(message: Data) throws -> Data {
        // Never a new key here: one the bank was never told of would sign requests it refuses.
        // Gone (a restore to another phone), the phone is registered again.
        try sign(message, with: loginKey(makeIfMissing: false))
    }

    func signPayment(message: Data) throws -> Data {
        let context = approval?.take(within: reuseSeconds) ?? freshContext()
        // Without a fresh approval the system shows its own prompt here, off the main thread.
        guard let raw = try read(paymentAccount, context: context) else {
            throw HostError.KeyUnavailable
        }
        return try sign(message, with: privateKey(raw))
    }

    /// Deletes both keys: the app calls it at logout, after `Client.logout()`.
    func deleteKeys() throws {
        for account in [loginAccount, paymentAccount, paymentPublicAccount] {
            try remove(account)
        }
    }

    private func freshContext() -> LAContext {
        let context = LAContext()
        // A Touch ID unlock of the phone within these seconds counts (the property's own rule:
        // it is about unlocking, not about another app prompt); otherwise the system asks.
        context.touchIDAuthenticationAllowableReuseDuration = reuseSeconds
        context.localizedReason = NSLocalizedString("Sign the payment", comment: "Keychain prompt")
        return context
    }

    private func loginKey(makeIfMissing: Bool) throws -> Curve25519.Signing.PrivateKey {
        lock.lock()
        defer { lock.unlock() }
        if let raw = try read(loginAccount) {
            return try privateKey(raw)
        }
        guard makeIfMissing else { throw HostError.KeyUnavailable }
        let key = Curve25519.Signing.PrivateKey()
        try add(loginAccount, key.rawRepresentation)
        return key
    }

    private func privateKey(_ raw: Data) throws -> Curve25519.Signing.PrivateKey {
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        } catch {
            throw HostError.Failed
        }
    }

    private func sign(_ message: Data, with key: Curve25519.Signing.PrivateKey) throws -> Data {
        do {
            return try key.signature(for: message)
        } catch {
            throw HostError.Failed
        }
    }

    private func read(_ account: String, context: LAContext? = nil) throws -> Data? {
        var query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account,
                                    kSecReturnData as String: true]
        if let context {
            query[kSecUseAuthenticationContext as String] = context
        }
        var item: CFTypeRef?
        switch SecItemCopyMatching(query as CFDictionary, &item) {
        case errSecSuccess:
            guard let data = item as? Data else { throw HostError.Failed }
            return data
        case errSecItemNotFound:
            return nil
        case errSecUserCanceled:
            throw HostError.Cancelled
        default:
            throw HostError.Failed
        }
    }

    /// Adds an item: this device only, while unlocked, or under `access` (which then carries
    /// the accessibility itself: the Keychain refuses both attributes together).
    private func add(_ account: String, _ value: Data, access: SecAccessControl? = nil) throws {
        var item: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                   kSecAttrAccount as String: account,
                                   kSecValueData as String: value]
        if let access {
            item[kSecAttrAccessControl as String] = access
        } else {
            item[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        }
        guard SecItemAdd(item as CFDictionary, nil) == errSecSuccess else { throw HostError.Failed }
    }

    private func remove(_ account: String) throws {
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account]
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw HostError.Failed }
    }
}

/// The platform's own voice, at the rate, pitch and volume the customer asked the assistant for.
final class SystemSpeech: HostSpeech, @unchecked Sendable {
    private let synthesizer = AVSpeechSynthesizer()

    /// Whether it is still saying something: an app keeps its microphone shut meanwhile, so
    /// that the assistant does not hear itself.
    var isSpeaking: Bool {
        synthesizer.isSpeaking
    }

    func speak(text: String, locale: String, settings: SpeechSettings) {
        let utterance = AVSpeechUtterance(string: text)
        utterance.voice = AVSpeechSynthesisVoice(language: locale)
        utterance.rate = AVSpeechUtteranceDefaultSpeechRate * Float(settings.ratePercent) / 100
        utterance.pitchMultiplier = Float(settings.pitchPercent) / 100
        utterance.volume = Float(settings.volumePercent) / 100
        synthesizer.speak(utterance)
    }

    func stop() {
        synthesizer.stopSpeaking(at: .immediate)
    }
}

/// The phone's time zone, asked per instant: a transaction from last summer is dated at
/// summer's offset, not today's, and a traveller's phone moves her "today" with her.
final class SystemTimeZone: HostTimeZone, @unchecked Sendable {
    func utcOffsetSecondsAt(epochSeconds: Int64) throws -> Int32 {
        let instant = Date(timeIntervalSince1970: TimeInterval(epochSeconds))
        return Int32(TimeZone.current.secondsFromGMT(for: instant))
    }
}

/// The microphone pushed into the core: 16-bit PCM at the hardware's own rate.
func pushMicrophone(buffer: AVAudioPCMBuffer, into input: VoiceInput) throws -> VoiceState {
    guard let samples = buffer.int16ChannelData else { return input.state() }
    let channels = Int(buffer.format.channelCount)
    let bytes = Data(bytes: samples[0], count: Int(buffer.frameLength) * channels * 2)
    return try input.push(pcm: bytes)
}
