// The widget's own small dictionary (the app's i18next would triple the bundle), by navigator.language.
const en = {
  open: "Chat with support",
  close: "Close chat",
  title: "Chat with us",
  intro: "Tell us who you are and what you need; an agent answers here.",
  name: "Your name",
  email: "Email",
  message: "How can we help?",
  start: "Start chat",
  send: "Send",
  reply: "Write a message",
  you: "You",
  agent: "Support",
  nameRequired: "Please enter your name.",
  emailInvalid: "Please enter a valid email address.",
  messageRequired: "Please write a message.",
  failed: "Could not send; please try again.",
  live: "Live",
  offline: "Reconnecting…",
  newChat: "New chat",
  suggestions: "Articles that may help",
  newTab: "(opens in a new tab)",
};

export type WidgetStrings = typeof en;

const hi: WidgetStrings = {
  open: "सहायता से चैट करें",
  close: "चैट बंद करें",
  title: "हमसे चैट करें",
  intro: "बताइए आप कौन हैं और आपको क्या चाहिए; एजेंट यहीं जवाब देगा।",
  name: "आपका नाम",
  email: "ईमेल",
  message: "हम आपकी क्या मदद करें?",
  start: "चैट शुरू करें",
  send: "भेजें",
  reply: "संदेश लिखें",
  you: "आप",
  agent: "सहायता",
  nameRequired: "कृपया अपना नाम लिखें।",
  emailInvalid: "कृपया सही ईमेल पता लिखें।",
  messageRequired: "कृपया संदेश लिखें।",
  failed: "भेजा नहीं जा सका; कृपया फिर कोशिश करें।",
  live: "लाइव",
  offline: "फिर से जुड़ रहे हैं…",
  newChat: "नई चैट",
  suggestions: "ये लेख मदद कर सकते हैं",
  newTab: "(नए टैब में खुलता है)",
};

export function widgetStrings(language: string | undefined): WidgetStrings {
  return (language ?? "").toLowerCase().startsWith("hi") ? hi : en;
}
