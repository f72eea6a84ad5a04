// The screen: registration on first run, then the transcript, typing and the Speak button.
// Text styles only (Dynamic Type), tap targets of 44 pt and more (64 pt for Speak).
import SwiftUI
import TingshuoCore
import UIKit

struct ContentView: View {
    @ObservedObject var conversation: Conversation

    var body: some View {
        NavigationStack {
            content
                .navigationTitle("Tingshuo Sample")
                .navigationBarTitleDisplayMode(.inline)
        }
        .task { await conversation.start() }
        // Swiping the screen away decides nothing: she is asked again next time.
        .sheet(item: $conversation.consent) { request in
            ConsentSheet(screen: request.screen) { granted in
                Task { await conversation.decide(request, granted: granted) }
            }
        }
        // The sample's own notices are not spoken by the assistant: VoiceOver reads them out.
        .onChange(of: conversation.notice) { notice in
            if let notice {
                UIAccessibility.post(notification: .announcement, argument: notice)
            }
        }
    }

    @ViewBuilder private var content: some View {
        switch conversation.phase {
        case .opening:
            ProgressView("Opening…")
        case .registering:
            RegistrationForm(conversation: conversation)
        case .ready:
            ChatView(conversation: conversation)
        case let .failed(message):
            VStack(spacing: 16) {
                Text(message)
                Button {
                    Task { await conversation.start() }
                } label: {
                    Text("Try again")
                        .frame(minHeight: 44)
                }
                .buttonStyle(.borderedProminent)
            }
            .padding()
        }
    }
}

/// First run: the customer number and the code the bank sent by text message.
struct RegistrationForm: View {
    @ObservedObject var conversation: Conversation
    @State private var customerId = ""
    @State private var code = ""

    var body: some View {
        Form {
            Section {
                TextField("Customer number", text: $customerId)
                    .textContentType(.username)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                TextField("Code the bank sent you", text: $code)
                    .textContentType(.oneTimeCode)
                    .keyboardType(.numberPad)
            } header: {
                Text("Set up this phone")
            } footer: {
                Text("The bank sends the code by text message. It works once, for a short time.")
            }
            if let notice = conversation.notice {
                Text(notice)
            }
            Button {
                Task { await conversation.register(customerId: customerId, enrollmentCode: code) }
            } label: {
                Text("Set up")
                    .frame(maxWidth: .infinity, minHeight: 44)
            }
            .disabled(customerId.isEmpty || code.isEmpty || conversation.busy)
        }
    }
}

struct ChatView: View {
    @ObservedObject var conversation: Conversation
    @State private var typed = ""

    var body: some View {
        VStack(spacing: 0) {
            ScrollViewReader { scroller in
                // New lines are scrolled to but never announced (no announcement, no live
                // region): the phone's voice has just said the assistant's, and VoiceOver
                // saying them again would talk over it, or be heard by the microphone opened
                // for her answer. She reads back through the list at her own pace.
                List(conversation.transcript) { line in
                    TranscriptRow(line: line)
                }
                .listStyle(.plain)
                .onChange(of: conversation.transcript.count) { _ in
                    if let last = conversation.transcript.last {
                        scroller.scrollTo(last.id, anchor: .bottom)
                    }
                }
            }
            notices
            controls
        }
    }

    @ViewBuilder private var notices: some View {
        VStack(alignment: .leading, spacing: 8) {
            switch conversation.recognition {
            case .loading:
                Text("Loading speech recognition…")
            case .notInstalled:
                Text("Speech recognition is not installed. Type, or ask the bank for help.")
            case .ready:
                EmptyView()
            }
            if conversation.microphoneRefused {
                Text("The microphone is off for this app. You can type instead.")
                Link(destination: URL(string: UIApplication.openSettingsURLString)!) {
                    Text("Open Settings")
                        .frame(minHeight: 44)
                }
            }
            if let notice = conversation.notice {
                Text(notice)
            }
            if conversation.voiceAgreed {
                Button {
                    Task { await conversation.stopUsingVoice() }
                } label: {
                    Text("Stop using my voice")
                        .frame(minHeight: 44)
                }
                .buttonStyle(.bordered)
            }
            if conversation.phase == .ready {
                Button {
                    Task { await conversation.signOut() }
                } label: {
                    Text("Sign out")
                        .frame(minHeight: 44)
                }
                .buttonStyle(.bordered)
            }
            if conversation.handOff {
                Link(destination: SampleSettings.bankPhone) {
                    Label("Call the bank", systemImage: "phone.fill")
                        .frame(maxWidth: .infinity, minHeight: 44)
                }
                .buttonStyle(.bordered)
            }
        }
        .font(.callout)
        .frame(maxWidth: .infinity, alignment: .leading)
        .padding(.horizontal)
    }

    private var controls: some View {
        let speakTitle: LocalizedStringKey = conversation.listening ? "Stop" : "Speak"
        let speakHint: LocalizedStringKey = conversation.listening
            ? "Ends your turn now."
            : "Opens the microphone for your answer. It closes when you stop talking."
        return VStack(spacing: 12) {
            HStack {
                TextField("Type here", text: $typed)
                    .textFieldStyle(.roundedBorder)
                    .submitLabel(.send)
                    .onSubmit(send)
                Button(action: send) {
                    Text("Send")
                        .frame(minHeight: 44)
                }
                .buttonStyle(.bordered)
                .disabled(conversation.busy)
                .accessibilityHint("Sends what you typed to the assistant.")
            }
            Button {
                Task { await conversation.speakTapped() }
            } label: {
                Label(speakTitle, systemImage: conversation.listening ? "stop.fill" : "mic.fill")
                    .font(.title2.bold())
                    .frame(maxWidth: .infinity, minHeight: 64)
            }
            .buttonStyle(.borderedProminent)
            .disabled(conversation.recognition != .ready || conversation.busy)
            .accessibilityHint(speakHint)
        }
        .padding()
    }

    /// Keeps what she typed while a turn is running (the return key is not disabled with the
    /// Send button): it is sent when she sends again.
    private func send() {
        guard !conversation.busy else { return }
        let text = typed
        typed = ""
        Task { await conversation.send(text) }
    }
}

struct TranscriptRow: View {
    let line: TranscriptLine

    var body: some View {
        let speaker: LocalizedStringKey = line.speaker == .assistant ? "Assistant" : "You"
        VStack(alignment: .leading, spacing: 4) {
            Text(speaker)
                .font(.caption)
                .foregroundStyle(.secondary)
            // The core's words (or hers), shown as they are: never a localization key.
            Text(verbatim: line.text)
                .textSelection(.enabled)
        }
        .padding(.vertical, 4)
        .accessibilityElement(children: .combine)
    }
}

/// The consent screen, in the core's words: she decides here, by touch, since she has not
/// agreed to be listened to.
struct ConsentSheet: View {
    let screen: ConsentScreen
    let decide: (Bool) -> Void

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                Text(verbatim: screen.title)
                    .font(.title2.bold())
                    .accessibilityAddTraits(.isHeader)
                Text(verbatim: screen.body)
            }
            .frame(maxWidth: .infinity, alignment: .leading)
            .padding()
        }
        .safeAreaInset(edge: .bottom) {
            VStack(spacing: 12) {
                Button {
                    decide(true)
                } label: {
                    Text(verbatim: screen.agree)
                        .frame(maxWidth: .infinity, minHeight: 44)
                }
                .buttonStyle(.borderedProminent)
                Button {
                    decide(false)
                } label: {
                    Text(verbatim: screen.decline)
                        .frame(maxWidth: .infinity, minHeight: 44)
                }
                .buttonStyle(.bordered)
            }
            .padding()
            .background(.bar)
        }
    }
}
