// The bindings from Kotlin on the JVM, against the reference bank on loopback (a fresh bank
// process per test) and the installed speech model: what a bank's Android app does, minus
// Android.
package org.tingshuo.tests

import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.tingshuo.core.AssistantEvent
import org.tingshuo.core.AssistantHost
import org.tingshuo.core.BankSlot
import org.tingshuo.core.Client
import org.tingshuo.core.ClientSettings
import org.tingshuo.core.ConsentPurpose
import org.tingshuo.core.ConsentState
import org.tingshuo.core.HostException
import org.tingshuo.core.HostLogger
import org.tingshuo.core.HostSpeech
import org.tingshuo.core.SpeechSettings
import org.tingshuo.core.HostTimeZone
import org.tingshuo.core.LogLevel
import org.tingshuo.core.PaymentResult
import org.tingshuo.core.StoreOpened
import org.tingshuo.core.SyncListener
import org.tingshuo.core.SyncState
import org.tingshuo.core.TingshuoException
import org.tingshuo.core.VoiceInput
import org.tingshuo.core.VoiceState
import org.tingshuo.core.loadSpeechModel
import org.tingshuo.core.openAssistant
import org.tingshuo.core.openClient
import org.tingshuo.core.setLogger
import org.tingshuo.example.firstConversation

internal const val NEW_YORK = -5 * 3600
internal const val BEIJING = 8 * 3600

private fun said(events: List<AssistantEvent>) =
    events.filterIsInstance<AssistantEvent.Say>().map { it.messageId }

/** The WAV pushed 20 ms at a time through one direct buffer, as a microphone callback
 *  delivers audio, then a second of silence so the end of speech is heard. */
internal fun pushed(
    wav: Wav,
    input: VoiceInput = VoiceInput(wav.sampleRate.toUInt(), wav.channels.toUShort()),
): Pair<VoiceInput, List<VoiceState>> {
    val frame = wav.sampleRate / 50 * wav.channels * 2
    val buffer = ByteBuffer.allocateDirect(frame)
    val pcm = wav.pcm + ByteArray(wav.sampleRate * wav.channels * 2)
    val states = mutableListOf<VoiceState>()
    var at = 0
    while (at < pcm.size && input.state() != VoiceState.ENDED) {
        val n = minOf(frame, pcm.size - at)
        buffer.clear()
        buffer.put(pcm, at, n)
        buffer.flip()
        states += input.push(buffer)
        at += n
    }
    return input to states
}

class BindingsTest : WithTestBank() {
    private suspend fun registered(
        customer: String,
        signer: SoftwareSigner = SoftwareSigner(),
    ): Client {
        val client = openClient(ClientSettings(File(dir, "$customer.db").path, bank.url), SoftwareKeyStore(), signer)
        client.register(customer, bank.enrollmentCode(customer), "JVM test")
        assertTrue(client.sync().syncNow().complete)
        return client
    }

    /** The JVM's own time-zone database, as the Android sample's PhoneTimeZone asks it. */
    class PlatformZone(name: String) : HostTimeZone {
        private val zone = java.util.TimeZone.getTimeZone(name)
        val asked = java.util.concurrent.atomic.AtomicInteger()
        override fun utcOffsetSecondsAt(epochSeconds: Long): Int {
            asked.incrementAndGet()
            return zone.getOffset(epochSeconds * 1000) / 1000
        }
    }

    @Test
    fun datesAreReadInThePlatformsTimeZone() = runBlocking {
        val client = openClient(ClientSettings(File(dir, "z.db").path, bank.url), SoftwareKeyStore(), SoftwareSigner())
        client.use {
            client.register("demo-en", bank.enrollmentCode("demo-en"), "JVM test")
            client.sync().syncNow()
            val dates = { lines: List<org.tingshuo.core.Line> -> lines.map { it.display } }
            val atOffset = dates(client.view().current("en-US", NEW_YORK).lines)
            // Kiritimati is fourteen hours ahead of UTC, nineteen ahead of New York's winter:
            // most of her transactions fall on the next day there.
            val kiritimati = PlatformZone("Pacific/Kiritimati")
            val there = dates(client.view().current("en-US", NEW_YORK, kiritimati).lines)
            assertTrue(kiritimati.asked.get() > 0)
            assertTrue("$there", there != atOffset)
            // Each line's date is the platform's own date of that instant: the view's lines as
            // the zone's fixed +14:00 offset renders them, none then differs.
            assertEquals(there, dates(client.view().current("en-US", 14 * 3600).lines))
            // A time zone that throws: the offset given stands in, nothing fails.
            val broken = object : HostTimeZone {
                override fun utcOffsetSecondsAt(epochSeconds: Long): Int = throw IllegalStateException("no zone")
            }
            assertEquals(atOffset, dates(client.view().current("en-US", NEW_YORK, broken).lines))
            client.closeStore()
        }
    }

    @Test
    fun openRegisterSyncAndReadTheView() = runBlocking {
        val keys = SoftwareKeyStore()
        val client = openClient(ClientSettings(File(dir, "c.db").path, bank.url), keys, SoftwareSigner())
        client.use {
            assertEquals(StoreOpened.Created, client.opened())
            assertFalse(client.sync().isRegistered())
            client.register("demo-en", bank.enrollmentCode("demo-en"), "JVM test")
            assertTrue(client.sync().isRegistered())
            val synced = client.sync().syncNow()
            assertTrue(synced.complete)
            assertTrue(synced.patchesApplied > 0u)
            val view = client.view().current("en-US", NEW_YORK)
            assertTrue(view.accounts.isNotEmpty())
            assertTrue(view.accounts.all { it.currency == "USD" && it.numberEnding.length == 4 })
            assertTrue(view.payees.any { it.name == "Bob Wilson" })
            assertTrue(view.lines.isNotEmpty() && view.lines.all { it.display.isNotBlank() && it.speech.isNotBlank() })
            // A host that logs a record logs none of her names, amounts or text.
            val logged = listOf(view.toString(), view.accounts.first().toString(), view.payees.first().toString(), view.lines.first().toString())
            assertFalse(logged.toString(), logged.any { it.contains("Bob Wilson") || it.contains(view.accounts.first().name) })
            assertTrue(view.accounts.first().toString().contains(view.accounts.first().id))
            // A card locked through the actions client is locked at once (its local echo),
            // and stays locked once the bank has it.
            val card = view.cards.first { !it.locked }
            client.actions().lockCard(card.id)
            assertTrue(client.view().current("en-US", NEW_YORK).cards.first { it.id == card.id }.locked)
            assertTrue(client.sync().syncNow().complete)
            assertEquals("the bank has the lock", 0u, client.sync().state().pendingRequests)
            assertTrue(client.view().current("en-US", NEW_YORK).cards.first { it.id == card.id }.locked)
            // An unlock goes with the payment key's signature over the bank's challenge (the
            // host's PIN or biometric prompt), and the bank unlocks the card.
            client.actions().unlockCard(card.id)
            assertTrue(client.sync().syncNow().complete)
            assertFalse(client.view().current("en-US", NEW_YORK).cards.first { it.id == card.id }.locked)
            client.closeStore()
            // The store's write generation reached the Kotlin key store (rollback detection).
            assertTrue(keys.recordedGeneration() != null)
        }
    }

    @Test
    fun aStoreWhoseKeyIsGoneIsRebuiltAndSaysSo() = runBlocking {
        val path = File(dir, "k.db").path
        val first = openClient(ClientSettings(path, bank.url), SoftwareKeyStore(), SoftwareSigner())
        first.register("demo-en", bank.enrollmentCode("demo-en"), "JVM test")
        first.closeStore()
        first.close()
        // The app was reinstalled: its keystore no longer has the key that wrapped the data key.
        val again = openClient(ClientSettings(path, bank.url), SoftwareKeyStore(), SoftwareSigner())
        assertTrue(again.opened().toString(), again.opened() is StoreOpened.Rebuilt)
        again.close()
    }

    @Test
    fun aStoreRebuiltAfterDamageKeepsTheRegistrationAndSyncsAgain() = runBlocking {
        val path = File(dir, "r.db").path
        val client = openClient(ClientSettings(path, bank.url), SoftwareKeyStore(), SoftwareSigner())
        client.register("demo-en", bank.enrollmentCode("demo-en"), "JVM test")
        assertTrue(client.sync().syncNow().complete)
        val before = client.view().current("en-US", NEW_YORK).accounts.map { it.id to it.availableMinor }
        // What the host does on StoreDamaged(canRebuild = true).
        val rebuilt = client.rebuildStore()
        assertTrue(rebuilt.opened().toString(), rebuilt.opened() is StoreOpened.Rebuilt)
        // The old client's store is closed: using it is an error, not a hang.
        try {
            client.view().current("en-US", NEW_YORK)
            fail("the old client still read the store")
        } catch (expected: TingshuoException) {
        }
        assertTrue("still registered: no new enrollment code", rebuilt.sync().isRegistered())
        assertTrue(rebuilt.sync().syncNow().complete)
        assertEquals(before, rebuilt.view().current("en-US", NEW_YORK).accounts.map { it.id to it.availableMinor })
        rebuilt.closeStore()
        rebuilt.close()
        client.close()
    }

    @Test
    fun readmeExampleRuns() = runBlocking {
        val said = firstConversation(
            File(dir, "readme.db").path, bank.url, "demo-en", bank.enrollmentCode("demo-en"),
            SoftwareKeyStore(), SoftwareSigner(), CountingStepUp(),
        )
        assertTrue(said.toString(), said.isNotEmpty() && said.all { it.isNotBlank() })
    }

    @Test
    fun typedPaymentThroughReadBackConfirmAndAKotlinStepUp() = runBlocking {
        val client = registered("demo-en")
        val stepUp = CountingStepUp()
        val spoken = CopyOnWriteArrayList<String>()
        val speech = object : HostSpeech {
            override fun speak(text: String, locale: String, settings: SpeechSettings) {
                spoken += "$locale ${settings.ratePercent} $text"
            }

            override fun stop() {}
        }
        val assistant = openAssistant(client, "en-US", NEW_YORK, AssistantHost(stepUp, speech))
        val readBack = assistant.text("send twenty dollars to Bob Wilson")
        assertEquals(listOf("dlg-readback-transfer"), said(readBack))
        // The host's engine is given the speech form (amounts in words), in order.
        val readBackSpeech = (readBack.first { it is AssistantEvent.Say } as AssistantEvent.Say).speech
        assertFalse(readBack.toString(), readBack.toString().contains("Bob"))
        for (i in 0 until 50) {
            if (spoken.isNotEmpty()) break
            delay(20)
        }
        assertEquals(listOf("en-US 100 $readBackSpeech"), spoken.toList())
        assertEquals(AssistantEvent.Listen, readBack.last())
        assertEquals("nothing is paid before the yes", emptyList<Long>(), bank.payments("demo-en"))
        assertEquals(0, stepUp.prompts.get())

        val confirmed = assistant.text("yes")
        assertTrue(confirmed.toString(), confirmed.any { it is AssistantEvent.StepUpRequested })
        assertEquals("the Kotlin step-up was asked once", 1, stepUp.prompts.get())
        assertTrue(confirmed.toString(), "dlg-payment-done" in said(confirmed))
        // The bank's own records, not what the assistant said.
        assertEquals(listOf(2_000L), bank.payments("demo-en"))
        assistant.close()
        client.close()
    }

    @Test
    fun transactionsAskedForAreReadOutByTheHostsEngineAndReadAgainOnRepeat() = runBlocking {
        val client = registered("demo-en")
        val spoken = CopyOnWriteArrayList<String>()
        val pitches = CopyOnWriteArrayList<UInt>()
        val speech = object : HostSpeech {
            override fun speak(text: String, locale: String, settings: SpeechSettings) {
                spoken += text
                pitches += settings.pitchPercent
            }

            override fun stop() {}
        }
        val assistant = openAssistant(client, "en-US", NEW_YORK, AssistantHost(CountingStepUp(), speech))
        val events = assistant.text("read me my last three transactions")
        assertEquals(listOf("dlg-see-screen"), said(events))
        val lines = (events.first { it is AssistantEvent.Show } as AssistantEvent.Show).lines
        assertEquals(3, lines.size)
        val intro = (events.first { it is AssistantEvent.Say } as AssistantEvent.Say).speech
        val expected = listOf(intro) + lines.map { it.speech }
        for (i in 0 until 100) {
            if (spoken.size >= expected.size) break
            delay(20)
        }
        // A blind customer hears the lines, after the sentence that introduces them.
        assertEquals(expected, spoken.toList())
        val again = assistant.text("repeat that")
        assertEquals(listOf("dlg-see-screen"), said(again))
        assertEquals(lines, (again.first { it is AssistantEvent.Show } as AssistantEvent.Show).lines)
        for (i in 0 until 100) {
            if (spoken.size >= 2 * expected.size) break
            delay(20)
        }
        assertEquals(expected + expected, spoken.toList())
        // For ears that lose the high tones first: the last reply again, in a deeper voice.
        val deeper = assistant.text("speak in a deeper voice please")
        assertTrue(deeper.toString(), AssistantEvent.Pitch(90u) in deeper)
        for (i in 0 until 100) {
            if (spoken.size > 2 * expected.size) break
            delay(20)
        }
        assertEquals(setOf(100u), pitches.take(2 * expected.size).toSet())
        assertEquals(90u, pitches.last())
        assistant.close()
        client.close()
    }

    @Test
    fun aDeclinedStepUpMovesNoMoney() = runBlocking {
        val client = registered("demo-en")
        val assistant = openAssistant(client, "en-US", NEW_YORK, AssistantHost(CountingStepUp(approve = false), null))
        assistant.text("send twenty dollars to Bob Wilson")
        val declined = assistant.text("yes")
        assertFalse(declined.toString(), "dlg-payment-done" in said(declined))
        assertEquals(emptyList<Long>(), bank.payments("demo-en"))
        client.close()
    }

    /** An app with its own PIN screen answers the request it was shown; a late answer to an
     *  earlier prompt (she changed the amount meanwhile) moves nothing. */
    @Test
    fun anAppsOwnStepUpAnswersItsRequestAndALateAnswerMovesNothing() = runBlocking {
        val client = registered("demo-en")
        val assistant = openAssistant(client, "en-US", NEW_YORK, AssistantHost(null, null))
        fun asked(events: List<AssistantEvent>): ULong =
            events.filterIsInstance<AssistantEvent.StepUpRequested>().single().request
        assistant.text("send fifty dollars to Bob Wilson")
        val first = asked(assistant.text("yes"))
        assistant.text("no, I said sixty")
        val second = asked(assistant.text("yes"))
        assertTrue("$first $second", first != second)
        val late = assistant.stepUp(first, true)
        assertFalse(late.toString(), "dlg-payment-done" in said(late))
        assertEquals(emptyList<Long>(), bank.payments("demo-en"))
        val paid = assistant.stepUp(second, true)
        assertTrue(paid.toString(), "dlg-payment-done" in said(paid))
        assertEquals(listOf(6_000L), bank.payments("demo-en"))
        assistant.close()
        client.close()
    }

    /** A bank's own commands (its context YAML, in Mandarin here) reach the app as
     *  BankRequest events with their slots, and move nothing at the bank; one that takes a
     *  product intent's name is refused at open with E110, saying which. */
    @Test
    fun aBanksOwnCommandReachesTheAppWithItsSlots() = runBlocking {
        val client = registered("demo-zh")
        val yaml = """
            context:
              expressions:
                findBranch:
                  - "最近的网点在哪(里)"
                  - "(帮我)(在)${'$'}district:district (附近)找(一)个网点"
              slots:
                district:
                  - 朝阳区
                  - 海淀区
        """.trimIndent()
        val assistant = openAssistant(client, "zh-CN", BEIJING, AssistantHost(null, null, null, yaml))
        val nearest = assistant.text("最近的网点在哪里")
        assertEquals(listOf("dlg-bank-request"), said(nearest))
        assertEquals("findBranch", nearest.filterIsInstance<AssistantEvent.BankRequest>().single().intent)
        val inDistrict = assistant.text("帮我在海淀区找个网点")
        val request = inDistrict.filterIsInstance<AssistantEvent.BankRequest>().single()
        assertEquals(mapOf("district" to BankSlot.Text("海淀区")), request.slots)
        assertEquals(emptyList<Long>(), bank.payments("demo-zh"))
        assistant.close()
        try {
            openAssistant(client, "zh-CN", BEIJING, AssistantHost(null, null, null, "context:\n  expressions:\n    transfer:\n      - \"汇款\"\n"))
            fail("a bank intent named transfer was taken")
        } catch (refused: TingshuoException.BankIntents) {
            assertEquals(110.toUShort(), refused.code())
            assertTrue(refused.reason, "transfer" in refused.reason)
        }
        client.close()
    }

    @Test
    fun spokenCommandPushedThroughTheStreamingListenerOnceTheCustomerAgreed() = runBlocking {
        val modelPath = System.getProperty("tingshuo.model")
        val wavPath = System.getProperty("tingshuo.wav")
        val model = loadSpeechModel(modelPath, null)
        val client = registered("demo-en")
        val assistant = openAssistant(client, "en-US", NEW_YORK, AssistantHost(null, null))
        assistant.listenWith(model)
        val wav = Wav.read(File(wavPath))

        // Before she agreed: the speech is dropped unheard, and the app is told to ask her.
        assertEquals(ConsentState.NOT_ASKED, assistant.consent(ConsentPurpose.VOICE_RECOGNITION))
        val (first, _) = pushed(wav)
        val unheard = assistant.voice(first)
        assertEquals(unheard.toString(), listOf("consent-voice-needed"), said(unheard))
        assertTrue(unheard.toString(), AssistantEvent.ConsentNeeded(ConsentPurpose.VOICE_RECOGNITION) in unheard)
        assertTrue(unheard.toString(), unheard.none { it is AssistantEvent.Heard })
        first.close()
        // The consent screen's words, from the core's locales; her decision is kept.
        val screen = assistant.consentScreen(ConsentPurpose.VOICE_RECOGNITION)
        assertEquals("Use your voice", screen.title)
        assertTrue(screen.body, "never sent to the bank" in screen.body)
        assertEquals("I agree", screen.agree)
        assistant.decideConsent(ConsentPurpose.VOICE_RECOGNITION, true)
        assertEquals(ConsentState.GRANTED, assistant.consent(ConsentPurpose.VOICE_RECOGNITION))

        val (input, states) = pushed(wav)
        assertTrue(states.toSet().toString(), VoiceState.SPEAKING in states && VoiceState.ENDED in states)
        val events = assistant.voice(input)
        val heard = events.filterIsInstance<AssistantEvent.Heard>().firstOrNull()
        assertTrue(events.toString(), heard != null && heard.text.lowercase().contains("balance"))
        assertEquals(events.toString(), listOf("dlg-balance"), said(events))
        input.close()
        model.close()
        client.close()
    }

    /** A customer who stops for 1.2 s in the middle of a command: the default end of speech
     *  (700 ms) ends her turn at the pause; the app's longer setting hears her to the end. */
    @Test
    fun aLongerPauseSettingHearsAHesitantSpeakerToTheEnd() {
        val wav = Wav.read(File(System.getProperty("tingshuo.wav")))
        val bytesPerSecond = wav.sampleRate * wav.channels * 2
        val pause = ByteArray(bytesPerSecond * 12 / 10)
        // Two seconds of quiet after it, and the second `pushed` adds: past the longer pause.
        val after = ByteArray(bytesPerSecond * 2)
        val hesitant = Wav(wav.sampleRate, wav.channels, wav.pcm + pause + wav.pcm + after)
        val frame = wav.sampleRate / 50 * wav.channels * 2
        val (cut, cutStates) = pushed(hesitant)
        assertEquals(VoiceState.ENDED, cutStates.last())
        assertTrue("${cutStates.size}", cutStates.size * frame < wav.pcm.size + pause.size)
        cut.close()
        val rate = wav.sampleRate.toUInt()
        val patient = VoiceInput.withPause(rate, wav.channels.toUShort(), 2_500u)
        val (whole, states) = pushed(hesitant, patient)
        assertEquals(VoiceState.ENDED, states.last())
        assertTrue("${states.size}", states.size * frame > 2 * wav.pcm.size + pause.size)
        whole.close()
    }

    @Test
    fun hostExceptionsBecomeErrors() = runBlocking {
        val failing = object : SoftwareSigner() {
            override fun loginPublicKey(): ByteArray = throw HostException.Failed()
        }
        val client = openClient(ClientSettings(File(dir, "h.db").path, bank.url), SoftwareKeyStore(), failing)
        try {
            client.register("demo-en", bank.enrollmentCode("demo-en"), "JVM test")
            fail("registered without a key")
        } catch (error: TingshuoException.Host) {
            assertEquals("signer", error.capability)
            assertEquals(106.toUShort(), error.code())
        }
        // Not a HostException at all: still an error, never a crash.
        val throwing = object : SoftwareSigner() {
            override fun loginPublicKey(): ByteArray = throw IllegalStateException("keystore gone")
        }
        val other = openClient(ClientSettings(File(dir, "h2.db").path, bank.url), SoftwareKeyStore(), throwing)
        try {
            other.register("demo-en", bank.enrollmentCode("demo-en"), "JVM test")
            fail("registered without a key")
        } catch (error: TingshuoException.Host) {
            assertFalse(error.toString().contains("keystore gone"))
        }
        // A bank that cannot be reached is `Offline`, code 100.
        val offline = openClient(ClientSettings(File(dir, "o.db").path, "http://127.0.0.1:9"), SoftwareKeyStore(), SoftwareSigner())
        try {
            offline.register("demo-en", "123456", "JVM test")
            fail("registered offline")
        } catch (error: TingshuoException.Offline) {
            assertEquals(100.toUShort(), error.code())
            // What to tell her, in her language, from the core's messages.
            assertTrue(error.describe("en-US").display.contains("can't be reached"))
            assertTrue(error.describe("zh-CN").display.contains("连不上银行"))
            assertTrue(error.describe("zh-CN").speech.isNotEmpty())
            try {
                error.describe("xx")
                fail("described in an unknown locale")
            } catch (unknown: TingshuoException.Internal) {
                assertEquals(199.toUShort(), unknown.code())
            }
        }
        client.close()
        other.close()
        offline.close()
    }

    @Test
    fun aCancelledConfirmationStillCompletesAtTheBank() = runBlocking {
        // The payment key's prompt takes 800 ms: the coroutine is cancelled while it waits.
        val client = registered("demo-zh", SoftwareSigner(paymentDelayMillis = 800))
        val view = client.view().current("zh-CN", BEIJING)
        val from = view.accounts.first { it.kind == "current" && it.currency == "CNY" }
        val payee = view.payees.first()
        val payments = client.payments()
        val prepared = payments.prepareTransfer(from.id, payee.id, 5_000, "CNY")
        assertEquals(5_000L, prepared.readBack().amountMinor)
        var result: PaymentResult? = null
        val job = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            result = payments.confirm(prepared)
        }
        delay(200)
        job.cancel()
        job.join()
        assertTrue("the coroutine was cancelled", job.isCancelled)
        assertEquals("the caller never saw the result", null, result)
        // The confirmation ran to its end on the core's runtime: the bank has the payment and
        // the device knows its outcome.
        var atBank = emptyList<Long>()
        for (i in 0 until 100) {
            atBank = bank.payments("demo-zh")
            if (atBank.isNotEmpty()) break
            delay(100)
        }
        assertEquals(listOf(5_000L), atBank)
        var attempts = payments.attempts()
        for (i in 0 until 50) {
            if (attempts.isNotEmpty() && attempts.all { it.state != "sending" }) break
            delay(100)
            attempts = payments.attempts()
        }
        assertTrue(attempts.toString(), attempts.none { it.state == "sending" })
        // Confirmed again (a second tap, a retry after the cancel): it is not sent again.
        try {
            payments.confirm(prepared)
            fail("a prepared payment was confirmed twice")
        } catch (again: TingshuoException.AlreadySent) {
            assertEquals(108.toUShort(), again.code())
            assertTrue(again.describe("en-US").display.contains("not sent again"))
        }
        assertEquals(listOf(5_000L), bank.payments("demo-zh"))
        assertEquals(5_000L, prepared.readBack().amountMinor)
        client.close()
    }

    @Test
    fun theHostLogGetsTheCoresLinesWithoutUserData() = runBlocking {
        val lines = CopyOnWriteArrayList<String>()
        setLogger(object : HostLogger {
            override fun log(level: LogLevel, target: String, message: String) {
                lines += "$level $target $message"
            }
        }, LogLevel.DEBUG)
        try {
            setLogger(object : HostLogger {
                override fun log(level: LogLevel, target: String, message: String) {}
            }, LogLevel.DEBUG)
            fail("a second logger was set")
        } catch (expected: TingshuoException.Internal) {
        }
        val client = registered("demo-en")
        val assistant = openAssistant(client, "en-US", NEW_YORK, AssistantHost(CountingStepUp(), null))
        assistant.text("send twenty dollars to Bob Wilson")
        assistant.text("yes")
        for (i in 0 until 50) {
            if (lines.isNotEmpty()) break
            delay(50)
        }
        assertTrue("the core logged through the host", lines.isNotEmpty())
        // The amount as money ($20.00, 20.00 USD) or minor units (2000), not inside a timing:
        // sqlx logs each statement's elapsed time, and "120.004µs" holds "20.00".
        val amount = Regex("""(?<![\d.])(20\.00|2000)(?![\d.])""")
        assertTrue(lines.toString(), lines.none { it.contains("Bob") || it.contains("Wilson") || amount.containsMatchIn(it) })
        client.close()
    }

    @Test
    fun subscriptionsAndClose() = runBlocking {
        val client = registered("demo-en")
        val states = CopyOnWriteArrayList<SyncState>()
        val first = CountDownLatch(1)
        val handle = client.sync().subscribe(object : SyncListener {
            override fun onState(state: SyncState) {
                states += state
                first.countDown()
            }
        })
        assertTrue("the listener was called from a core thread", first.await(5, TimeUnit.SECONDS))
        client.sync().syncNow()
        assertTrue(handle.isActive())
        handle.cancel()
        assertFalse(handle.isActive())
        handle.close()
        val watch = client.sync().watchChanges()
        assertTrue(watch.isActive())
        watch.close()
        // A closed object refuses calls instead of reaching freed memory.
        client.close()
        try {
            client.sync()
            fail("a closed client answered")
        } catch (expected: IllegalStateException) {
        }
    }
}

/** A 16-bit PCM WAV file: its format and its samples' bytes. */
class Wav(val sampleRate: Int, val channels: Int, val pcm: ByteArray) {
    companion object {
        fun read(file: File): Wav {
            val bytes = file.readBytes()
            val le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)
            var at = 12
            var rate = 0
            var channels = 0
            while (at + 8 <= bytes.size) {
                val id = String(bytes, at, 4, Charsets.US_ASCII)
                val size = le.getInt(at + 4)
                if (id == "fmt ") {
                    channels = le.getShort(at + 10).toInt()
                    rate = le.getInt(at + 12)
                    check(le.getShort(at + 22).toInt() == 16) { "16-bit PCM only" }
                } else if (id == "data") {
                    val end = minOf(bytes.size, at + 8 + size)
                    return Wav(rate, channels, bytes.copyOfRange(at + 8, end))
                }
                at += 8 + size + (size and 1)
            }
            error("no data chunk")
        }
    }
}
