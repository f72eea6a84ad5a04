// Stand-in with android.jar's (or AndroidX's) signature, for type-checking android/sample/ on the JVM. Never shipped.
package android.content;
public class ActivityNotFoundException extends RuntimeException {}
