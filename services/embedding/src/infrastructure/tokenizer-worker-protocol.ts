/** What the tokenizer worker starts with: the model's tokenizer files and its maximum length. */
export interface TokenizerStart {
  tokenizerFile: string;
  /** tokenizer_config.json, when the model has one. */
  configFile?: string;
  maxLength: number;
}

/** One request: texts to token ids (special tokens added, truncated to the maximum length). */
export interface TokenizeRequest {
  id: number;
  texts: string[];
}
