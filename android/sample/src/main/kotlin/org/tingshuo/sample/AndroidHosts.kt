// What Android lends the core: the Keystore for the store's key and the device's two signing
// keys, BiometricPrompt for the step-up, TextToSpeech for the assistant's voice.
package org.tingshuo.sample

import android.content.Context
import android.os.Bundle
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.UserNotAuthenticatedException
import android.speech.tts.TextToSpeech
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.Locale
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import kotlinx.coroutines.delay
import org.tingshuo.core.HostException
import org.tingshuo.core.HostKeyStore
import org.tingshuo.core.HostSigner
import org.tingshuo.core.HostSpeech
import org.tingshuo.core.SpeechSettings
import org.tingshuo.core.HostStepUp

private const val ANDROID_KEYSTORE = "AndroidKeyStore"
private const val GCM_IV_BYTES = 12
private const val GCM_TAG_BITS = 128

/** The store's data key, wrapped by an AES-256 key that never leaves the Keystore. The store's
 *  write generation is kept beside it in private preferences, so that an older copy of the
 *  store put back is found. */
class KeystoreKeyStore(context: Context) : HostKeyStore {
    private val keys = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
    private val preferences = context.getSharedPreferences("tingshuo-store", Context.MODE_PRIVATE)

    override fun wrap(dataKey: ByteArray): ByteArray {
        try {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.ENCRYPT_MODE, key() ?: createKey())
            return cipher.iv + cipher.doFinal(dataKey)
        } finally {
            // This array is the host's own copy: cleared, the key stays only in the core.
            dataKey.fill(0)
        }
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        val key = key() ?: throw HostException.KeyUnavailable()
        // Too short to be a wrapped key: damaged, and nothing can open it (as a bad tag below).
        if (wrapped.size <= GCM_IV_BYTES) throw HostException.KeyUnavailable()
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(GCM_TAG_BITS, wrapped, 0, GCM_IV_BYTES))
        return try {
            cipher.doFinal(wrapped, GCM_IV_BYTES, wrapped.size - GCM_IV_BYTES)
        } catch (replaced: AEADBadTagException) {
            // Wrapped by a key that is gone (the Keystore was reset): the core rebuilds the store.
            throw HostException.KeyUnavailable()
        }
    }

    override fun delete() {
        keys.deleteEntry(KEY_ALIAS)
        preferences.edit().remove(GENERATION).commit()
    }

    override fun recordGeneration(generation: ULong) {
        if (!preferences.edit().putLong(GENERATION, generation.toLong()).commit()) throw HostException.Failed()
    }

    override fun recordedGeneration(): ULong? =
        if (preferences.contains(GENERATION)) preferences.getLong(GENERATION, 0).toULong() else null

    private fun key(): SecretKey? = (keys.getEntry(KEY_ALIAS, null) as? KeyStore.SecretKeyEntry)?.secretKey

    private fun createKey(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(KEY_ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val KEY_ALIAS = "tingshuo.store-key"
        const val GENERATION = "store-generation"
    }
}

/** The device's two Ed25519 keys, in the Keystore (Android 13 and later; the phone needs a
 *  screen lock). The login key signs silently; the payment key only within 30 s of the customer
 *  authenticating — the step-up the assistant has just asked for, or unlocking the phone — so
 *  the platform, not only the app, requires her. When those seconds have passed before the
 *  payment is signed (a slow network after her step-up), `stepUp` asks her once more; without
 *  her, the payment is not signed. */
class KeystoreSigner(private val stepUp: HostStepUp) : HostSigner {
    private val keys = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    override fun loginPublicKey(): ByteArray = raw(pair(LOGIN_ALIAS, stepUp = false))

    override fun paymentPublicKey(): ByteArray = raw(pair(PAYMENT_ALIAS, stepUp = true))

    override fun signLogin(message: ByteArray): ByteArray = sign(existing(LOGIN_ALIAS), message)

    override fun signPayment(message: ByteArray): ByteArray = try {
        try {
            sign(existing(PAYMENT_ALIAS), message)
        } catch (notNow: UserNotAuthenticatedException) {
            // Not within the key's seconds of her authenticating: she is asked again, once.
            if (!stepUp.authenticate()) throw HostException.Cancelled()
            sign(existing(PAYMENT_ALIAS), message)
        }
    } catch (stillNot: UserNotAuthenticatedException) {
        throw HostException.Cancelled()
    } catch (gone: KeyPermanentlyInvalidatedException) {
        // A fingerprint was added or the screen lock removed: the key is gone for good, and
        // the phone must be registered again with a new one.
        keys.deleteEntry(PAYMENT_ALIAS)
        throw HostException.KeyUnavailable()
    }

    /** At logout: both keys deleted, so nothing this phone signed before can be signed again. */
    fun forget() {
        keys.deleteEntry(LOGIN_ALIAS)
        keys.deleteEntry(PAYMENT_ALIAS)
    }

    /** A key made at registration. Signing never makes one: a key made now would be one the
     *  bank has never seen, and every payment would be refused with no word of why; the core
     *  says instead that the phone must be registered again. */
    private fun existing(alias: String): KeyPair =
        (keys.getEntry(alias, null) as? KeyStore.PrivateKeyEntry)
            ?.let { KeyPair(it.certificate.publicKey, it.privateKey) }
            ?: throw HostException.KeyUnavailable()

    private fun pair(alias: String, stepUp: Boolean): KeyPair {
        (keys.getEntry(alias, null) as? KeyStore.PrivateKeyEntry)?.let {
            return KeyPair(it.certificate.publicKey, it.privateKey)
        }
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("ed25519"))
            .setDigests(KeyProperties.DIGEST_NONE)
        if (stepUp) {
            spec.setUserAuthenticationRequired(true)
                .setUserAuthenticationParameters(
                    STEP_UP_SECONDS,
                    KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                )
                .setInvalidatedByBiometricEnrollment(true)
        }
        val generator = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, ANDROID_KEYSTORE)
        generator.initialize(spec.build())
        return generator.generateKeyPair()
    }

    private fun sign(pair: KeyPair, message: ByteArray): ByteArray =
        Signature.getInstance("Ed25519").run {
            initSign(pair.private)
            update(message)
            sign()
        }

    /** The raw 32-byte key: the last 32 bytes of its X.509 encoding. */
    private fun raw(pair: KeyPair): ByteArray = pair.public.encoded.let { it.copyOfRange(it.size - 32, it.size) }

    private companion object {
        const val LOGIN_ALIAS = "tingshuo.login"
        const val PAYMENT_ALIAS = "tingshuo.payment"
        const val STEP_UP_SECONDS = 30
    }
}

/** The step-up: BiometricPrompt (a strong biometric or the screen lock) on the activity in
 *  front, while the core's thread waits. Voice never counts. The activity registers itself in
 *  `onResume` and leaves in `onPause`, so a rotation never holds a dead one. `title` and
 *  `subtitle` are string resources. */
class BiometricStepUp(private val title: Int, private val subtitle: Int) : HostStepUp {
    @Volatile var activity: FragmentActivity? = null

    override fun authenticate(): Boolean {
        val shownOn = activity ?: throw HostException.Cancelled()
        val answer = LinkedBlockingQueue<Boolean>(1)
        val main = ContextCompat.getMainExecutor(shownOn)
        main.execute {
            val callback = object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                    answer.offer(true)
                }

                // Dismissed, locked out, or no lock set up: not approved. (A finger not
                // recognised is `onAuthenticationFailed`: the prompt stays for another try.)
                override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
                    answer.offer(false)
                }
            }
            BiometricPrompt(shownOn, main, callback).authenticate(
                BiometricPrompt.PromptInfo.Builder()
                    .setTitle(shownOn.getString(title))
                    .setSubtitle(shownOn.getString(subtitle))
                    .setAllowedAuthenticators(BIOMETRIC_STRONG or DEVICE_CREDENTIAL)
                    .build(),
            )
        }
        // The core waits at most three minutes for a step-up; so does this.
        return answer.poll(180, TimeUnit.SECONDS) ?: throw HostException.Cancelled()
    }
}

/** The phone's own voice at the rate and volume she asked the assistant for. Says whether it
 *  is talking, so that the microphone neither opens nor listens while the assistant speaks (it
 *  would hear the phone's own read-back as her answer), and whether it works at all. */
class PhoneVoice(context: Context) : HostSpeech {
    private val pending = mutableListOf<() -> Unit>()
    @Volatile private var ready = false
    @Volatile private var broken = false
    @Volatile private var queued = 0

    /** False once the engine failed to start or lacked a language it was asked for: the app
     *  then lets TalkBack read the replies instead. */
    val working: Boolean get() = !broken

    private val engine: TextToSpeech = TextToSpeech(context.applicationContext) { status ->
        synchronized(this) {
            ready = status == TextToSpeech.SUCCESS
            broken = !ready
            if (ready) pending.forEach { it() }
            pending.clear()
        }
    }

    override fun speak(text: String, locale: String, settings: SpeechSettings) {
        val say = {
            val language = engine.setLanguage(Locale.forLanguageTag(locale))
            if (language == TextToSpeech.LANG_MISSING_DATA || language == TextToSpeech.LANG_NOT_SUPPORTED) {
                broken = true
            }
            engine.setSpeechRate(settings.ratePercent.toFloat() / 100f)
            engine.setPitch(settings.pitchPercent.toFloat() / 100f)
            val parameters = Bundle()
            parameters.putFloat(TextToSpeech.Engine.KEY_PARAM_VOLUME, settings.volumePercent.toFloat() / 100f)
            if (engine.speak(text, TextToSpeech.QUEUE_ADD, parameters, "tingshuo-${System.nanoTime()}") ==
                TextToSpeech.ERROR
            ) {
                broken = true
            }
            queued -= 1
        }
        synchronized(this) {
            when {
                ready -> {
                    queued += 1
                    say()
                }
                !broken -> {
                    queued += 1
                    pending += say
                }
            }
        }
    }

    override fun stop() {
        engine.stop()
    }

    /** Whether it is talking, or has something it was given still to say. */
    val isSpeaking: Boolean get() = !broken && (queued > 0 || engine.isSpeaking)

    /** Returns once the assistant has finished talking. The core hands it a turn's sentences
     *  on a thread of its own as the turn returns: they are given a moment to arrive. */
    suspend fun waitUntilQuiet() {
        delay(300)
        while (isSpeaking) delay(100)
    }

    fun shutdown() = engine.shutdown()
}
