package todo

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Chat limits users see in error messages.
const (
	// MaxChatMessage bounds one message to the assistant.
	MaxChatMessage = 4000
	// ChatContext is how many of a conversation's latest messages the assistant reads.
	ChatContext = 20
	// MaxConversationTitle bounds a title taken from a first message.
	MaxConversationTitle = 80
)

// Conversation is a chat between a user and the assistant.
type Conversation struct {
	ID        int64     `json:"id"`
	Title     *string   `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Role says who wrote a message.
type Role string

// The roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one message of a conversation; an assistant's message lists the tool calls
// it made.
type Message struct {
	ID        int64            `json:"id"`
	Role      Role             `json:"role"`
	Content   string           `json:"content"`
	ToolCalls []ToolCallResult `json:"tool_calls"`
	CreatedAt time.Time        `json:"created_at"`
}

// ToolCallResult is one tool call the assistant made and how it went.
type ToolCallResult struct {
	Tool    string          `json:"tool"`
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"`
	Error   *string         `json:"error"`
	// Summary is the one-line text the tool gave (what a model reads).
	Summary string `json:"summary,omitempty"`
	// ConfirmationRequired marks a destructive call that did not run: it waits for the
	// user to say yes in the conversation.
	ConfirmationRequired bool `json:"confirmation_required,omitempty"`
}

// PendingCall is a destructive tool call the assistant asked the user to confirm.
type PendingCall struct {
	Tool string          `json:"tool"`
	Args json.RawMessage `json:"args"`
	// What is the sentence that names what will happen, e.g. `delete task 5 "Buy milk"`.
	What string `json:"what"`
}

// Turn is what the assistant is given for one user message: the conversation, its latest
// messages (the new one last) and the calls that were waiting for the user's confirmation.
type Turn struct {
	Conversation Conversation
	History      []Message
	Pending      []PendingCall
}

// ChatInput is the body of POST /chat.
type ChatInput struct {
	Message        string `json:"message"`
	ConversationID *int64 `json:"conversation_id"`
}

// Validate trims the message and checks both fields.
func (in *ChatInput) Validate() error {
	in.Message = strings.TrimSpace(in.Message)
	if in.Message == "" {
		return Errorf(Invalid, "message", "message must not be empty")
	}
	if n := utf8.RuneCountInString(in.Message); n > MaxChatMessage {
		return Errorf(Invalid, "message", "message is %d characters long; the maximum is %d", n, MaxChatMessage)
	}
	if strings.ContainsRune(in.Message, 0) {
		return Errorf(Invalid, "message", "message must not contain NUL characters")
	}
	if in.ConversationID != nil && *in.ConversationID <= 0 {
		return Errorf(NotFound, "conversation_id", "conversation %d not found", *in.ConversationID)
	}
	return nil
}

// ConversationTitle is the title a conversation takes from its first message: its first
// line, cut at a word boundary to MaxConversationTitle characters.
func ConversationTitle(first string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(first), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= MaxConversationTitle {
		return line
	}
	r := []rune(line)[:MaxConversationTitle-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > MaxConversationTitle/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// PendingFor is how long a confirmation question stays open: a "yes" an hour later is
// about something else.
const PendingFor = 10 * time.Minute

// StillPending reports whether calls asked for at asked still wait for an answer at now.
func StillPending(asked, now time.Time) bool { return now.Sub(asked) < PendingFor }
