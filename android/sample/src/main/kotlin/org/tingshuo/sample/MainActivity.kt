// One screen: registration on first run, then the conversation — typed, or spoken through the
// microphone once she agreed to voice recognition. Every word of the conversation is the
// core's (both languages, from its locales); the app's own few labels are string resources.
package org.tingshuo.sample

import android.Manifest
import android.app.KeyguardManager
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.Gravity
import android.view.View
import android.view.ViewGroup.LayoutParams.MATCH_PARENT
import android.view.ViewGroup.LayoutParams.WRAP_CONTENT
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AlertDialog
import androidx.appcompat.app.AppCompatActivity
import androidx.core.content.ContextCompat
import androidx.core.view.ViewCompat
import androidx.core.view.WindowInsetsCompat
import java.io.File
import java.util.Locale
import java.util.TimeZone
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.plus
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.tingshuo.core.ConsentScreen
import org.tingshuo.core.TingshuoException

/** The model shipped in the APK's assets (not committed: see README.md). */
private const val MODEL_ASSET = "ggml-base-q8_0.bin"

/** What outlives an activity (a rotation, a larger font): the store, the conversation, the
 *  platform's hosts. One per process. */
private object Session {
    private val opening = Mutex()
    var banking: Banking? = null
    var conversation: Conversation? = null
    lateinit var hosts: Hosts
    lateinit var voice: PhoneVoice
    val stepUp = BiometricStepUp(R.string.step_up_title, R.string.step_up_subtitle)
    lateinit var setup: Setup
    val microphone = Microphone()

    /** The conversation, opened once (its model takes seconds and 80 MB to load). */
    suspend fun conversation(banking: Banking): Conversation = opening.withLock {
        conversation ?: banking.converse(hosts).also { conversation = it }
    }

    suspend fun banking(context: Context): Banking = opening.withLock {
        banking ?: run {
            val app = context.applicationContext
            voice = PhoneVoice(app)
            hosts = Hosts(KeystoreKeyStore(app), KeystoreSigner(stepUp), stepUp, voice)
            setup = Setup(
                storePath = File(app.noBackupFilesDir, "tingshuo.db").path,
                bankUrl = BuildConfig.BANK_URL,
                locale = if (Locale.getDefault().language == "zh") "zh-CN" else "en-US",
                utcOffsetSeconds = TimeZone.getDefault().getOffset(System.currentTimeMillis()) / 1000,
                modelPath = withContext(Dispatchers.IO) { installedModel(app) },
                deviceName = Build.MODEL,
            )
            Banking.open(setup, hosts).also { banking = it }
        }
    }

    /** The model copied once from the assets to private storage (the core reads a file). */
    private fun installedModel(context: Context): String? {
        val file = File(context.noBackupFilesDir, MODEL_ASSET)
        if (file.length() > 0) return file.path
        return try {
            val partial = File(file.path + ".partial")
            context.assets.open(MODEL_ASSET).use { from -> partial.outputStream().use { from.copyTo(it) } }
            if (partial.renameTo(file)) file.path else null
        } catch (absent: java.io.IOException) {
            null
        }
    }
}

class MainActivity : AppCompatActivity() {
    // What the core throws beyond a turn's own failure (the store, the microphone, consent):
    // said on screen, never a crash.
    private val scope = MainScope() + CoroutineExceptionHandler { _, _ -> say(R.string.turn_failed) }
    private lateinit var transcript: LinearLayout
    private lateinit var scroll: ScrollView
    private lateinit var typed: EditText
    private lateinit var send: Button
    private lateinit var speak: Button
    private lateinit var callBank: Button
    private lateinit var voiceOff: Button
    private lateinit var signOut: Button
    private lateinit var notice: TextView
    private val notices = mutableListOf<String>()
    private lateinit var registration: LinearLayout
    private lateinit var talk: LinearLayout
    private var listening = false
    private var busy = false
    private var resumed = false
    private var listenAgain: Job? = null

    private val askMicrophone = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) listen() else say(R.string.microphone_refused)
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(layout())
        say(R.string.opening)
        scope.launch {
            val banking = Session.banking(this@MainActivity)
            if (banking.isRegistered()) converse(banking) else show(registration)
        }
    }

    override fun onResume() {
        super.onResume()
        resumed = true
        Session.stepUp.activity = this
    }

    override fun onPause() {
        super.onPause()
        resumed = false
        Session.stepUp.activity = null
        // Nothing is heard while the app is not in front: a turn half said is dropped.
        listenAgain?.cancel()
        Session.microphone.cancel()
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    private suspend fun converse(banking: Banking) {
        val online = try {
            banking.refresh()
        } catch (expired: TingshuoException.SessionExpired) {
            // The bank no longer knows this phone: register again.
            backToRegistration()
            return
        } catch (revoked: TingshuoException.DeviceRevoked) {
            // Removed from her devices: what it held of her is deleted; she is told so.
            backToRegistration()
            say(describe(revoked))
            return
        }
        val conversation = Session.conversation(banking)
        transcript.removeAllViews()
        conversation.transcript.forEach(::append)
        show(talk)
        voiceOff.visibility = if (conversation.mayListen()) View.VISIBLE else View.GONE
        clearNotices()
        if (!online) say(R.string.offline)
        if (!conversation.hasVoice) say(R.string.no_model)
    }

    /** Back to setting up the phone: the conversation closed and its lines off the screen, so
     *  whoever registers next sees nothing of the customer before. */
    private fun backToRegistration() {
        listenAgain?.cancel()
        Session.microphone.cancel()
        Session.conversation?.close()
        Session.conversation = null
        transcript.removeAllViews()
        show(registration)
    }

    /** Signs her out and says what the bank never confirmed (a card lock she must make by
     *  phone at once); the next customer registers on a new store. */
    private fun signOut() = scope.launch {
        // Not in the middle of a turn (a payment being confirmed is told, then she signs out).
        if (busy) return@launch
        busy = true
        val banking = Session.banking(this@MainActivity)
        backToRegistration()
        var signedOut = false
        val told = try {
            banking.logout().also { signedOut = true }
        } catch (failed: TingshuoException) {
            listOf(describe(failed))
        }
        // The device keys go only with the store: a sign-out that failed (the phone's storage
        // could not delete it) keeps them, and she signs out again; what the bank already did
        // (this phone removed) is told then.
        if (signedOut) (Session.hosts.signer as? KeystoreSigner)?.forget()
        Session.banking = null
        banking.close()
        busy = false
        told.forEach(::say)
        if (!signedOut) {
            val reopened = Session.banking(this@MainActivity)
            if (reopened.isRegistered()) converse(reopened)
        }
    }

    private fun register(customerId: String, code: String) = scope.launch {
        // The payment key is released only to her fingerprint, face or screen lock: without a
        // lock it cannot be made, and registering would fail for a reason she cannot see.
        if (getSystemService(KeyguardManager::class.java)?.isDeviceSecure != true) {
            say(R.string.needs_screen_lock)
            return@launch
        }
        val banking = Session.banking(this@MainActivity)
        try {
            banking.register(customerId, code)
        } catch (offline: TingshuoException.Offline) {
            // Not her code: the bank was not reached.
            say(R.string.register_offline)
            return@launch
        } catch (refused: TingshuoException) {
            say(R.string.register_failed)
            return@launch
        }
        converse(banking)
    }

    /** The microphone button: stops a recording, or starts one once she may be heard. Agreeing
     *  on the consent screen does not open the microphone by itself (it would hear TalkBack
     *  announce the screen closing): she presses the button again. */
    private fun microphoneButton() = scope.launch {
        val conversation = Session.conversation ?: return@launch
        when {
            listening -> Session.microphone.stop()
            busy -> Unit
            !conversation.hasVoice -> say(R.string.no_model)
            !conversation.mayListen() -> askConsent(conversation.consentScreen())
            ContextCompat.checkSelfPermission(this@MainActivity, Manifest.permission.RECORD_AUDIO) !=
                PackageManager.PERMISSION_GRANTED -> askMicrophone.launch(Manifest.permission.RECORD_AUDIO)
            else -> listen()
        }
    }

    private fun listen() {
        if (listening || busy || !resumed) return
        val conversation = Session.conversation ?: return
        if (ContextCompat.checkSelfPermission(this, Manifest.permission.RECORD_AUDIO) !=
            PackageManager.PERMISSION_GRANTED
        ) {
            return
        }
        listening = true
        speak.setText(R.string.stop)
        conversation.stopSpeaking()
        Session.microphone.arm()
        take(spoken = true) {
            val input = try {
                withContext(Dispatchers.IO) {
                    Session.microphone.record(assistantTalking = { Session.voice.isSpeaking })
                }
            } finally {
                listening = false
                speak.setText(R.string.speak)
            }
            if (input == null) {
                Next(emptyList())
            } else {
                try {
                    conversation.speak(input)
                } finally {
                    input.close()
                }
            }
        }
    }

    private fun take(spoken: Boolean, turn: suspend (Conversation) -> Next) = scope.launch {
        val conversation = Session.conversation ?: return@launch
        busy = true
        send.isEnabled = false
        val next = try {
            turn(conversation)
        } finally {
            busy = false
            send.isEnabled = true
        }
        // The phone no longer stands for her: nothing of this conversation stays on screen.
        if (next.failure is TingshuoException.SessionExpired || next.failure is TingshuoException.DeviceRevoked) {
            backToRegistration()
            next.failure?.let { say(describe(it)) }
            return@launch
        }
        next.shown.forEach(::append)
        // Why it failed, in her language from the core's messages (offline, storage full…).
        val failure = next.failure
        if (failure != null) say(describe(failure)) else if (next.shown.isNotEmpty()) clearNotices()
        next.askConsent?.let(::askConsent)
        callBank.visibility = if (next.handOff) View.VISIBLE else View.GONE
        // She answers by voice: listen again once the phone has finished speaking (else the
        // microphone hears the read-back). Only after she was heard: a typed turn is answered
        // by typing, and a silence does not keep the microphone going round.
        val heardHer = spoken && next.shown.any { it.speaker == Speaker.CUSTOMER }
        if (heardHer && next.listenAgain) {
            listenAgain = scope.launch {
                Session.voice.waitUntilQuiet()
                listen()
            }
        }
    }

    private fun askConsent(screen: ConsentScreen) {
        val conversation = Session.conversation ?: return
        AlertDialog.Builder(this)
            .setTitle(screen.title)
            .setMessage(screen.body)
            .setPositiveButton(screen.agree) { _, _ ->
                scope.launch {
                    conversation.decideConsent(true)
                    voiceOff.visibility = View.VISIBLE
                }
            }
            .setNegativeButton(screen.decline) { _, _ -> scope.launch { conversation.decideConsent(false) } }
            .show()
    }

    private fun append(line: Shown) {
        val view = text(line.text, 22f)
        val customer = line.speaker == Speaker.CUSTOMER
        view.gravity = if (customer) Gravity.END else Gravity.START
        view.contentDescription = getString(if (customer) R.string.you_said else R.string.assistant_said, line.text)
        view.setPadding(0, dp(8), 0, dp(8))
        // Not a live region while the phone's voice works: it already says the assistant's
        // lines, and TalkBack reading them too would say everything twice. Without it, TalkBack
        // is how she hears them.
        if (!customer && !Session.voice.working) {
            view.accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        }
        transcript.addView(view, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))
        scroll.post { scroll.fullScroll(View.FOCUS_DOWN) }
    }

    /** Shows one of the app's own notices beside any still standing ("offline" and "no speech
     *  model" at once), each once, until the conversation answers her. */
    private fun say(message: Int) = say(getString(message))

    private fun say(message: String) {
        if (message !in notices) notices += message
        notice.text = notices.joinToString("\n")
        notice.visibility = View.VISIBLE
    }

    /** The core's words for a failure, else the app's own. */
    private fun describe(failure: TingshuoException): String = try {
        failure.describe(Session.setup.locale).display
    } catch (unknown: TingshuoException) {
        getString(R.string.turn_failed)
    }

    private fun clearNotices() {
        notices.clear()
        notice.visibility = View.GONE
    }

    private fun show(group: LinearLayout) {
        registration.visibility = if (group === registration) View.VISIBLE else View.GONE
        talk.visibility = if (group === talk) View.VISIBLE else View.GONE
    }

    // --- the views, built in code so the sample is one file to read ---------------------------

    private fun layout(): View {
        val root = column()
        // Drawn edge to edge (Android 15): kept clear of the system bars and the keyboard, so
        // that the buttons at the bottom stay reachable.
        ViewCompat.setOnApplyWindowInsetsListener(root) { view, insets ->
            val bars = insets.getInsets(WindowInsetsCompat.Type.systemBars() or WindowInsetsCompat.Type.ime())
            view.setPadding(bars.left + dp(16), bars.top + dp(16), bars.right + dp(16), bars.bottom + dp(16))
            WindowInsetsCompat.CONSUMED
        }
        // The app's own notices (offline, no model, a failure): announced by TalkBack, since
        // the phone's voice does not say them.
        notice = text("", 20f).apply {
            visibility = View.GONE
            accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        }
        root.addView(notice)

        registration = column()
        val customerId = field(R.string.customer_id, InputType.TYPE_CLASS_TEXT)
        val code = field(R.string.enrollment_code, InputType.TYPE_CLASS_NUMBER)
        registration.addView(text(getString(R.string.register_title), 24f))
        registration.addView(customerId)
        registration.addView(code)
        registration.addView(button(R.string.register) { register(customerId.text.toString(), code.text.toString()) })
        registration.visibility = View.GONE
        root.addView(registration, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))

        talk = column()
        transcript = column()
        scroll = ScrollView(this).apply { addView(transcript) }
        talk.addView(scroll, LinearLayout.LayoutParams(MATCH_PARENT, 0, 1f))
        val row = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL }
        typed = field(R.string.type_here, InputType.TYPE_CLASS_TEXT)
        row.addView(typed, LinearLayout.LayoutParams(0, WRAP_CONTENT, 1f))
        send = button(R.string.send) {
            val words = typed.text.toString().trim()
            if (words.isNotEmpty()) {
                typed.text.clear()
                take(spoken = false) { it.type(words) }
            }
        }
        row.addView(send)
        talk.addView(row)
        speak = button(R.string.speak) { microphoneButton() }.apply {
            minHeight = dp(80)
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 26f)
        }
        talk.addView(speak, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))
        // Her agreement to voice recognition, withdrawn here as in a bank app's settings.
        voiceOff = button(R.string.voice_off) {
            scope.launch {
                Session.microphone.cancel()
                Session.conversation?.decideConsent(false)
                voiceOff.visibility = View.GONE
            }
        }.apply { visibility = View.GONE }
        talk.addView(voiceOff, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))
        callBank = button(R.string.call_bank) {
            try {
                startActivity(Intent(Intent.ACTION_DIAL, Uri.parse("tel:" + BuildConfig.BANK_PHONE)))
            } catch (noPhone: ActivityNotFoundException) {
                say(R.string.no_phone)
            }
        }.apply { visibility = View.GONE }
        talk.addView(callBank, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))
        signOut = button(R.string.sign_out) { signOut() }
        talk.addView(signOut, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))
        talk.visibility = View.GONE
        root.addView(talk, LinearLayout.LayoutParams(MATCH_PARENT, 0, 1f))
        return root
    }

    private fun column() = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }

    /** Text in sp: it grows with the font size she chose in the phone's settings. */
    private fun text(words: String, sp: Float) = TextView(this).apply {
        text = words
        setTextSize(TypedValue.COMPLEX_UNIT_SP, sp)
    }

    private fun field(hint: Int, type: Int) = EditText(this).apply {
        setHint(hint)
        inputType = type
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 22f)
        minHeight = dp(56)
    }

    private fun button(label: Int, onClick: () -> Unit) = Button(this).apply {
        setText(label)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 22f)
        minHeight = dp(64)
        setOnClickListener { onClick() }
    }

    private fun dp(value: Int) = (value * resources.displayMetrics.density).toInt()
}
