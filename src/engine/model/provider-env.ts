// Reading provider settings from the explicit providerEnv map (never process.env).
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

/** The variable's value, or undefined when it is unset or blank. */
export function setting(env: ProviderEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Loads a provider's client once, on first use, so its SDK is imported only when that provider is chosen. */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
