package bot

// MethodScopes maps each Slack Web API method scnetbot calls to the bot
// scopes it needs. manifest.yaml must ask for exactly these (plus
// "commands" for the slash command), and a test holds the two together.
func MethodScopes() map[string][]string {
	return map[string][]string{
		// Alerts, thread replies, outage notices.
		"chat.postMessage": {"chat:write", "chat:write.public"},
		// Acknowledged alerts and their status line.
		"chat.update": {"chat:write"},
		// Finding an alert whose send timed out, before sending it again.
		"conversations.history": {"channels:history", "groups:history"},
		// Checking the bot token at start.
		"auth.test": nil,
		// Socket Mode; uses the app-level token (connections:write), which
		// is not a bot scope.
		"apps.connections.open": nil,
	}
}

// SlashCommandScope is the bot scope every slash command needs.
const SlashCommandScope = "commands"
