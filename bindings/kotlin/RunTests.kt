// Runs the JUnit 4 suite and prints `N passed, N failed` (JUnitCore's own last line is not a
// summary a reader or a tool can rely on); exits nonzero when any test failed.
package org.tingshuo.tests

import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

fun main() {
    val core = JUnitCore()
    val failed = mutableSetOf<Description>()
    var finished = 0
    core.addListener(object : RunListener() {
        override fun testFailure(failure: Failure) {
            failed += failure.description
            println("FAILED ${failure.description.methodName}: ${failure.message}")
            println(failure.trace.lines().take(12).joinToString("\n"))
        }

        override fun testFinished(description: Description) {
            finished += 1
            if (description !in failed) println("ok ${description.methodName}")
        }
    })
    core.run(BindingsTest::class.java, SampleConversationTest::class.java)
    println("Kotlin bindings on the JVM: ${finished - failed.size} passed, ${failed.size} failed")
    exitProcess(if (failed.isEmpty() && finished > 0) 0 else 1)
}
