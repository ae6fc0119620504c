// The offline writer and its noun-phrase finder, apart from the package's index: they load
// compromise's lexicon (about 45 MiB), which a service using a real provider never needs. The
// offline provider imports them on its first call.
export { extractKeyPhrases, isNounPhrase, type NounPhrase } from "./key-phrases.ts";
export { draftOffline, type OfflineDraft, styleFromPrompt, writeOffline } from "./writer.ts";
