// The environment variable naming the keyring `rollout start` reads when --keyring is not given.

/** Where `rollout start` looks for a keyring when --keyring is not given. */
export const KEYRING_ENV = 'ROLLOUT_KEYRING';
