// Tingshuo Sample: the whole path through the core on iOS, for integrators (see README.md).
import SwiftUI
import UIKit

@main
struct TingshuoSampleApp: App {
    @StateObject private var conversation = Conversation()
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            ContentView(conversation: conversation)
                // iOS says an app is ending only when it ends while running (not when it is
                // ended suspended): then the store's last writes are moved into its file.
                // Otherwise they wait in SQLite's write-ahead log and are read at next open.
                .onReceive(NotificationCenter.default.publisher(
                    for: UIApplication.willTerminateNotification)) { _ in
                    conversation.closeBeforeExit()
                }
        }
        .onChange(of: scenePhase) { phase in
            // In the background nothing listens and nothing talks. (Not on `.inactive`: the
            // Face ID and permission prompts make the app inactive in the middle of a turn.)
            if phase == .background {
                conversation.interrupt()
            }
        }
    }
}
