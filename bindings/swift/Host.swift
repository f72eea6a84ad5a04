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
        return try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: key)
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
    func authenticate() throws -> Bool {
        let context = LAContext()
        let done = DispatchSemaphore(value: 0)
        var approved = false
        context.evaluatePolicy(.deviceOwnerAuthentication,
                               localizedReason: "Approve the payment") { success, _ in
            approved = success
            done.signal()
        }
        // The core waits at most three minutes; so does this.
        guard done.wait(timeout: .now() + 180) == .success else { throw HostError.Cancelled }
        return approved
    }
}

/// The platform's own voice, at the rate and volume the customer asked the assistant for.
final class SystemSpeech: HostSpeech, @unchecked Sendable {
    private let synthesizer = AVSpeechSynthesizer()

    func speak(text: String, locale: String, ratePercent: UInt32, volumePercent: UInt32) {
        let utterance = AVSpeechUtterance(string: text)
        utterance.voice = AVSpeechSynthesisVoice(language: locale)
        utterance.rate = AVSpeechUtteranceDefaultSpeechRate * Float(ratePercent) / 100
        utterance.volume = Float(volumePercent) / 100
        synthesizer.speak(utterance)
    }

    func stop() {
        synthesizer.stopSpeaking(at: .immediate)
    }
}

/// The microphone pushed into the core: 16-bit PCM at the hardware's own rate.
func pushMicrophone(buffer: AVAudioPCMBuffer, into input: VoiceInput) throws -> VoiceState {
    guard let samples = buffer.int16ChannelData else { return input.state() }
    let channels = Int(buffer.format.channelCount)
    let bytes = Data(bytes: samples[0], count: Int(buffer.frameLength) * channels * 2)
    return try input.push(pcm: bytes)
}
