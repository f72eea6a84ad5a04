// The Android sample's conversation (android/sample/.../Conversation.kt) on the JVM: the code
// an integrator copies, run against the reference bank on loopback and the speech model, with
// the software hosts standing in for the Android Keystore and BiometricPrompt.
package org.tingshuo.tests

import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.tingshuo.core.TingshuoException
import org.tingshuo.sample.Banking
import org.tingshuo.sample.Hosts
import org.tingshuo.sample.Setup
import org.tingshuo.sample.Speaker

class SampleConversationTest : WithTestBank() {
    private fun setup(modelPath: String?, locale: String = "en-US", offset: Int = NEW_YORK) =
        Setup(File(dir, "sample.db").path, bank.url, locale, offset, modelPath, "JVM sample")

    @Test
    fun theSampleRegistersAsksConsentHearsAndPaysOnlyWhatWasReadBack() = runBlocking {
        val stepUp = CountingStepUp()
        val hosts = Hosts(SoftwareKeyStore(), SoftwareSigner(), stepUp, null)
        val banking = Banking.open(setup(System.getProperty("tingshuo.model")), hosts)
        assertFalse(banking.isRegistered())
        banking.register("demo-en", " " + bank.enrollmentCode("demo-en") + " ")
        assertTrue(banking.isRegistered())
        assertTrue(banking.refresh())
        val conversation = banking.converse(hosts)
        assertTrue(conversation.hasVoice)
        val wav = Wav.read(File(System.getProperty("tingshuo.wav")))

        // Her first words, before she decided on voice recognition: not heard, the consent
        // screen asked for, and no microphone opened again.
        val unheard = conversation.speak(pushed(wav).first)
        val screen = unheard.askConsent
        assertNotNull(unheard.toString(), screen)
        assertEquals("Use your voice", screen!!.title)
        assertFalse(unheard.listenAgain)
        assertTrue(unheard.toString(), unheard.shown.none { it.speaker == Speaker.CUSTOMER })
        assertFalse(conversation.mayListen())
        conversation.decideConsent(true)
        assertTrue(conversation.mayListen())

        val heard = conversation.speak(pushed(wav).first)
        assertNull(heard.failure)
        assertEquals(heard.toString(), Speaker.CUSTOMER, heard.shown.first().speaker)
        assertTrue(heard.toString(), "balance" in heard.shown.first().text.lowercase())
        assertTrue(heard.toString(), heard.shown.drop(1).any { it.speaker == Speaker.ASSISTANT && "$" in it.text })

        // A transfer read back and waiting for her answer: the microphone opens again, and the
        // bank has nothing before her yes and the step-up.
        val readBack = conversation.type("send twenty dollars to Bob Wilson")
        assertTrue(readBack.toString(), readBack.listenAgain)
        assertTrue(readBack.toString(), readBack.shown.last().text.contains("Bob Wilson"))
        assertEquals(emptyList<Long>(), bank.payments("demo-en"))
        assertEquals(0, stepUp.prompts.get())
        val done = conversation.type("yes")
        assertEquals(1, stepUp.prompts.get())
        assertEquals("the bank's own records", listOf(2_000L), bank.payments("demo-en"))
        assertEquals(done.toString(), Speaker.ASSISTANT, done.shown.last().speaker)
        // The screen rebuilt after a rotation shows everything, in order.
        assertEquals(unheard.shown + heard.shown + readBack.shown + done.shown, conversation.transcript)
        conversation.close()
        banking.close()
    }

    /** Signing out with the bank out of reach and a card lock it never received: the store is
     *  deleted, and she is told, in her words, that she is signed out, that the phone could
     *  not be removed at the bank, and that she must lock the card by phone now. */
    @Test
    fun signingOutSaysWhatTheBankNeverConfirmed() = runBlocking {
        val hosts = Hosts(SoftwareKeyStore(), SoftwareSigner(), CountingStepUp(), null)
        val banking = Banking.open(setup(null), hosts)
        banking.register("demo-en", bank.enrollmentCode("demo-en"))
        assertTrue(banking.refresh())
        val card = banking.client.view().current("en-US", NEW_YORK).cards.first { !it.locked }
        bank.close()
        banking.client.actions().lockCard(card.id)
        val told = banking.logout()
        assertEquals(told.toString(), 3, told.size)
        assertTrue(told[0], "signed out" in told[0])
        assertTrue(told[1], "no longer in use" in told[1])
        assertTrue(told[2], "call the bank now to lock the card" in told[2])
        assertFalse(File(dir, "sample.db").exists())
        banking.close()
    }

    /** The sample loads only the model file it ships: a file of another hash (damaged in the
     *  copy, or swapped) is refused, and the conversation goes on typed. */
    @Test
    fun aModelFileOfAnotherHashIsNotLoaded() = runBlocking {
        val hosts = Hosts(SoftwareKeyStore(), SoftwareSigner(), CountingStepUp(), null)
        val model = System.getProperty("tingshuo.model")
        val pinned = Banking.open(setup(model), hosts)
        pinned.register("demo-en", bank.enrollmentCode("demo-en"))
        assertTrue(pinned.refresh())
        val shipped = pinned.converse(hosts)
        assertTrue("the model installed is the one the sample pins", shipped.hasVoice)
        shipped.close()
        pinned.close()
        val other = Banking.open(setup(model).copy(modelSha256 = "0".repeat(64)), hosts)
        val swapped = other.converse(hosts)
        assertFalse(swapped.hasVoice)
        swapped.close()
        other.close()
    }

    @Test
    fun withTheBankOutOfReachAndNoModelTheSampleStillAnswersFromItsStore() = runBlocking {
        val hosts = Hosts(SoftwareKeyStore(), SoftwareSigner(), CountingStepUp(), null)
        val banking = Banking.open(setup(File(dir, "no-model.bin").path), hosts)
        banking.register("demo-en", bank.enrollmentCode("demo-en"))
        assertTrue(banking.refresh())
        bank.close()
        assertFalse("offline is no failure", banking.refresh())

        val conversation = banking.converse(hosts)
        assertFalse(conversation.hasVoice)
        conversation.decideConsent(true)
        assertFalse("no model: the microphone stays closed", conversation.mayListen())
        val balance = conversation.type("what's my balance")
        assertNull(balance.failure)
        assertTrue(balance.toString(), balance.shown.any { it.speaker == Speaker.ASSISTANT && "$" in it.text })
        val wav = Wav.read(File(System.getProperty("tingshuo.wav")))
        val refused = conversation.speak(pushed(wav).first)
        assertTrue(refused.toString(), refused.failure is TingshuoException.ModelMissing)
        conversation.close()
        banking.close()
    }

    @Test
    fun wangXiuyingTypesInMandarinAndIsPaidOnlyWhatWasReadBack() = runBlocking {
        val stepUp = CountingStepUp()
        val hosts = Hosts(SoftwareKeyStore(), SoftwareSigner(), stepUp, null)
        val banking = Banking.open(setup(null, "zh-CN", BEIJING), hosts)
        banking.register("demo-zh", bank.enrollmentCode("demo-zh"))
        assertTrue(banking.refresh())
        val conversation = banking.converse(hosts)
        val balance = conversation.type("我的余额是多少")
        assertTrue(balance.toString(), balance.shown.any { it.speaker == Speaker.ASSISTANT && it.text.any(Char::isDigit) })
        val readBack = conversation.type("给刘芳转两百块")
        assertTrue(readBack.toString(), readBack.shown.last().text.contains("刘芳"))
        assertEquals(emptyList<Long>(), bank.payments("demo-zh"))
        conversation.type("对")
        assertEquals(1, stepUp.prompts.get())
        assertEquals("the bank's own records", listOf(20_000L), bank.payments("demo-zh"))
        conversation.close()
        banking.close()
    }
}
