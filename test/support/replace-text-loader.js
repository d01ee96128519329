// Webpack loader for replay tests: replaces one exact piece of a workflow source file, to prove the corpus notices.
module.exports = function replaceTextLoader(source) {
  const { text, replacement = '' } = this.getOptions();
  if (!source.includes(text)) throw new Error(`replace-text-loader: ${this.resourcePath} does not contain ${JSON.stringify(text)}`);
  return source.replace(text, replacement);
};
