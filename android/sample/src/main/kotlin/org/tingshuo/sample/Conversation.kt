// The sample's whole use of the core, with nothing of Android in it: the activity gives it
// the platform's hosts and draws what it returns. `make test` compiles this file with the
// generated bindings and runs it on the JVM against the reference bank and the speech model
// (bindings/kotlin/SampleConversationTest.kt), so what an integrator copies from here runs.
package org.tingshuo.sample

import org.tingshuo.core.AssistantEvent
import org.tingshuo.core.AssistantHost
import org.tingshuo.core.AssistantSession
import org.tingshuo.core.Client
import org.tingshuo.core.ClientSettings
import org.tingshuo.core.ConsentPurpose
import org.tingshuo.core.ConsentScreen
import org.tingshuo.core.ConsentState
import org.tingshuo.core.HostKeyStore
import org.tingshuo.core.HostSigner
import org.tingshuo.core.HostSpeech
import org.tingshuo.core.HostStepUp
import org.tingshuo.core.HostTimeZone
import org.tingshuo.core.SpeechModel
import org.tingshuo.core.TingshuoException
import org.tingshuo.core.VoiceInput
import org.tingshuo.core.loadSpeechModel
import org.tingshuo.core.openAssistant
import org.tingshuo.core.openClient

/** Where the app keeps things and which bank it talks to. */
data class Setup(
    /** The store's file, in the app's private storage (`Context.noBackupFilesDir`). */
    val storePath: String,
    /** The bank's API: `https://…`, or `http://127.0.0.1:…` for the reference bank. */
    val bankUrl: String,
    /** `zh-CN` or `en-US`: the conversation's language. */
    val locale: String,
    /** The customer's offset from UTC now: what dates are read at should the phone's time zone
     *  ([PhoneTimeZone], asked per date) fail. */
    val utcOffsetSeconds: Int,
    /** The speech model's file, or null: then the customer types or taps, and is told why. */
    val modelPath: String?,
    /** How the bank lists this phone among the customer's devices. */
    val deviceName: String,
    /** The SHA-256 of the model file the app ships: any other file (damaged in the copy, or
     *  swapped) is not loaded, and she is told voice is unavailable. */
    val modelSha256: String? = BASE_Q8_0_SHA256,
)

/** `ggml-base-q8_0.bin` as `tingshuo models install base-q8_0` installs it. */
const val BASE_Q8_0_SHA256 = "84daf44940ffff5be8970078b55a6c40859d892cc45e1f1b44fbaeee190bf423"

/** The phone's time zone, asked per instant: a transaction from last summer is dated at
 *  summer's offset, not today's, and a traveller's phone moves her "today" with her. */
object PhoneTimeZone : HostTimeZone {
    override fun utcOffsetSecondsAt(epochSeconds: Long): Int =
        java.util.TimeZone.getDefault().getOffset(epochSeconds * 1000) / 1000
}

/** What the platform lends the core: its key store, keys, step-up prompt and voice. */
data class Hosts(
    val keyStore: HostKeyStore,
    val signer: HostSigner,
    val stepUp: HostStepUp,
    val speech: HostSpeech?,
)

/** The phone's link to the bank: the encrypted store, registration and sync. */
class Banking private constructor(private val setup: Setup, val client: Client) : AutoCloseable {
    companion object {
        suspend fun open(setup: Setup, hosts: Hosts): Banking =
            Banking(setup, openClient(ClientSettings(setup.storePath, setup.bankUrl), hosts.keyStore, hosts.signer))
    }

    suspend fun isRegistered(): Boolean = client.sync().isRegistered()

    /** Registers this phone with the code the bank sent the customer (by SMS, in a branch). */
    suspend fun register(customerId: String, enrollmentCode: String) =
        client.register(customerId.trim(), enrollmentCode.trim(), setup.deviceName)

    /** Signs her out: what waits is delivered while the bank can be reached, this phone is
     *  removed at the bank, the store and its key are deleted. Returns what to tell her, in her
     *  language, from the core's messages: that she is signed out, and each thing the bank never
     *  confirmed (a card lock she must make by phone at once). The client is closed after; the
     *  app deletes its device keys. */
    suspend fun logout(): List<String> = client.logout().describe(setup.locale).map { it.display }

    /** Brings the store up to date. Offline is no failure: the view works from the store and
     *  the assistant says how old what it reads is. Returns whether the bank answered. */
    suspend fun refresh(): Boolean = try {
        client.sync().syncNow().pulled
    } catch (expired: TingshuoException.SessionExpired) {
        throw expired
    } catch (revoked: TingshuoException.DeviceRevoked) {
        // The core deleted what the phone held of her with the bank's answer.
        throw revoked
    } catch (notNow: TingshuoException) {
        // Offline, the bank busy or answering wrongly, the phone's storage full for now: the
        // conversation opens on what this phone already has, and says the bank was not reached.
        false
    }

    /** A conversation over this store. The model takes seconds to load: do it off the UI. */
    suspend fun converse(hosts: Hosts): Conversation {
        val assistant = openAssistant(
            client, setup.locale, setup.utcOffsetSeconds,
            AssistantHost(hosts.stepUp, hosts.speech, PhoneTimeZone),
        )
        val model = setup.modelPath?.let { path ->
            try {
                loadSpeechModel(path, setup.modelSha256).also { assistant.listenWith(it) }
            } catch (missing: TingshuoException.ModelMissing) {
                null
            }
        }
        return Conversation(assistant, model)
    }

    override fun close() = client.close()
}

/** Who said a line on screen. */
enum class Speaker { CUSTOMER, ASSISTANT }

/** One line of the conversation as the screen shows it. */
data class Shown(val speaker: Speaker, val text: String)

/** What a turn asks of the screen, beside the lines it added to `transcript`. */
data class Next(
    /** The lines this turn added, in order (what was heard, then the replies). */
    val shown: List<Shown>,
    /** The assistant waits for an answer and she may speak: open the microphone again. */
    val listenAgain: Boolean = false,
    /** Show this consent screen and give her decision to `decideConsent`. */
    val askConsent: ConsentScreen? = null,
    /** Put her through to a person at the bank. */
    val handOff: Boolean = false,
    /** The bank's own commands she gave (`AssistantHost.bankIntents`; this sample gives
     *  none), for the app to carry out: she was told it is under way. */
    val bankRequests: List<AssistantEvent.BankRequest> = emptyList(),
    /** The turn could not be taken (the reason is the core's; nothing was lost). */
    val failure: TingshuoException? = null,
)

/** One conversation: the customer's turns in, what to show and do out. Turns are taken one at
 *  a time (the activity disables its buttons while one runs). */
class Conversation internal constructor(
    private val assistant: AssistantSession,
    private val model: SpeechModel?,
) : AutoCloseable {
    private val lines = mutableListOf<Shown>()

    /** Everything shown so far, for a screen rebuilt after rotation. */
    val transcript: List<Shown> get() = lines.toList()

    /** Whether turns of speech can be recognized at all (a model was loaded). */
    val hasVoice: Boolean get() = model != null

    /** Her words, typed. */
    suspend fun type(text: String): Next {
        val typed = Shown(Speaker.CUSTOMER, text)
        lines += typed
        return take(listOf(typed)) { assistant.text(text) }
    }

    /** Her words, spoken into `input` (the microphone's pushes; all of it is the turn). */
    suspend fun speak(input: VoiceInput): Next = take(emptyList()) { assistant.voice(input) }

    /** She said nothing for a while: a gentle prompt, never a time-out. */
    suspend fun silence(): Next = take(emptyList()) { assistant.silence() }

    /** She started talking: the phone stops speaking over her. */
    fun stopSpeaking() = assistant.stopSpeaking()

    /** Whether her speech may be recognized: a model, and her yes to voice recognition. */
    suspend fun mayListen(): Boolean =
        model != null && assistant.consent(ConsentPurpose.VOICE_RECOGNITION) == ConsentState.GRANTED

    /** The consent screen's words, in the conversation's language (the core's locales). */
    suspend fun consentScreen(): ConsentScreen = assistant.consentScreen(ConsentPurpose.VOICE_RECOGNITION)

    /** What she decided on the consent screen (or, in settings, withdrew). */
    suspend fun decideConsent(agreed: Boolean) =
        assistant.decideConsent(ConsentPurpose.VOICE_RECOGNITION, agreed)

    private suspend fun take(already: List<Shown>, turn: suspend () -> List<AssistantEvent>): Next {
        val events = try {
            turn()
        } catch (failure: TingshuoException) {
            return Next(already, failure = failure)
        }
        val added = mutableListOf<Shown>()
        var listen = false
        var consent: ConsentScreen? = null
        var handOff = false
        val bankRequests = mutableListOf<AssistantEvent.BankRequest>()
        for (event in events) {
            when (event) {
                is AssistantEvent.Heard -> added += Shown(Speaker.CUSTOMER, event.text)
                is AssistantEvent.Say -> added += Shown(Speaker.ASSISTANT, event.display)
                is AssistantEvent.Show -> event.lines.forEach { added += Shown(Speaker.ASSISTANT, it.display) }
                is AssistantEvent.Listen -> listen = true
                is AssistantEvent.ConsentNeeded -> consent = assistant.consentScreen(event.purpose)
                is AssistantEvent.HandOff -> handOff = true
                is AssistantEvent.BankRequest -> bankRequests += event
                // The session was given the host's step-up and asks it itself; the rate,
                // volume and pitch reach the host's voice with every reply.
                is AssistantEvent.StepUpRequested,
                is AssistantEvent.SpeechRate,
                is AssistantEvent.Volume,
                is AssistantEvent.Pitch,
                -> Unit
            }
        }
        lines += added
        return Next(
            already + added,
            listenAgain = listen && mayListen(),
            askConsent = consent,
            handOff = handOff,
            bankRequests = bankRequests,
        )
    }

    override fun close() {
        assistant.close()
        model?.close()
    }
}
