// What a host app provides, in software, for the JVM tests: a key store (AES-GCM under a key
// held in memory, where a phone would use the Android Keystore), the device's two Ed25519
// keys, a step-up that counts its prompts, and the reference bank as a process.
package org.tingshuo.tests

import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.io.OutputStreamWriter
import java.nio.file.Files
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.SecureRandom
import java.security.Signature
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.junit.After
import org.junit.Before
import org.tingshuo.core.HostException
import org.tingshuo.core.HostKeyStore
import org.tingshuo.core.HostSigner
import org.tingshuo.core.HostStepUp

class SoftwareKeyStore : HostKeyStore {
    private var key: SecretKey? = null
    private val random = SecureRandom()

    @Synchronized
    override fun wrap(dataKey: ByteArray): ByteArray {
        val kek = key ?: KeyGenerator.getInstance("AES").apply { init(256) }.generateKey().also { key = it }
        val iv = ByteArray(12).also { random.nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, kek, GCMParameterSpec(128, iv))
        // Cleared as the Android sample clears it: the core keeps its own copy of the key.
        return (iv + cipher.doFinal(dataKey)).also { dataKey.fill(0) }
    }

    @Synchronized
    override fun unwrap(wrapped: ByteArray): ByteArray {
        val kek = key ?: throw HostException.KeyUnavailable()
        if (wrapped.size < 12) throw HostException.Failed()
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, kek, GCMParameterSpec(128, wrapped.copyOfRange(0, 12)))
        return cipher.doFinal(wrapped.copyOfRange(12, wrapped.size))
    }

    @Synchronized
    override fun delete() {
        key = null
    }

    // Kept beside the key, as a phone would keep it in its keystore's own storage.
    private var generation: ULong? = null

    @Synchronized
    override fun recordGeneration(generation: ULong) {
        this.generation = generation
    }

    @Synchronized
    override fun recordedGeneration(): ULong? = generation
}

/** Two Ed25519 keys (JDK 15+); `paymentDelayMillis` plays a slow biometric prompt. */
open class SoftwareSigner(private val paymentDelayMillis: Long = 0) : HostSigner {
    private val login: KeyPair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
    private val payment: KeyPair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()

    // An X.509 SubjectPublicKeyInfo of Ed25519 ends with the raw 32-byte key.
    private fun raw(pair: KeyPair) = pair.public.encoded.let { it.copyOfRange(it.size - 32, it.size) }

    private fun sign(pair: KeyPair, message: ByteArray): ByteArray =
        Signature.getInstance("Ed25519").run {
            initSign(pair.private)
            update(message)
            sign()
        }

    override fun loginPublicKey() = raw(login)
    override fun paymentPublicKey() = raw(payment)
    override fun signLogin(message: ByteArray) = sign(login, message)
    override fun signPayment(message: ByteArray): ByteArray {
        if (paymentDelayMillis > 0) Thread.sleep(paymentDelayMillis)
        return sign(payment, message)
    }
}

/** The customer's PIN or biometric, as the test decides it. */
class CountingStepUp(private val approve: Boolean = true) : HostStepUp {
    val prompts = AtomicInteger()
    override fun authenticate(): Boolean {
        prompts.incrementAndGet()
        return approve
    }
}

/** `tingshuo-testbank`: the reference bank with the demo customers on loopback. */
class TestBank : AutoCloseable {
    private val process: Process = ProcessBuilder(
        File(System.getProperty("tingshuo.testbank") ?: "target/debug/tingshuo-testbank").absolutePath,
    ).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    private val output = BufferedReader(InputStreamReader(process.inputStream))
    private val input = OutputStreamWriter(process.outputStream)
    val url: String = answer(null, "url")

    private fun answer(command: String?, expect: String): String {
        if (command != null) {
            input.write(command + "\n")
            input.flush()
        }
        val line = output.readLine() ?: error("the test bank stopped")
        check(line.startsWith("$expect ")) { "test bank: $line" }
        return line.removePrefix("$expect ")
    }

    fun enrollmentCode(customer: String) = answer("code $customer", "code")

    /** The amounts (minor units) of the payments the bank itself holds for the customer. */
    fun payments(customer: String): List<Long> {
        val (count, amounts) = answer("payments $customer", "payments").split(" ", limit = 2) + ""
        return if (count == "0") emptyList() else amounts.trim().split(",").map { it.toLong() }
    }

    override fun close() {
        runCatching {
            input.write("quit\n")
            input.flush()
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/** A test class's fixture: a fresh reference bank process and a scratch folder per test. */
abstract class WithTestBank {
    protected lateinit var bank: TestBank
    protected lateinit var dir: File

    @Before
    fun start() {
        bank = TestBank()
        dir = Files.createTempDirectory("tingshuo-kotlin").toFile()
    }

    @After
    fun stop() {
        bank.close()
        dir.deleteRecursively()
    }
}
