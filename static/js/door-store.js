// The door scanner's memory on this device (IndexedDB): the last offline bundle, this device's
// recent movements, and the scans decided offline that wait to be sent, kept across reloads.

const STORES = ["kv", "queue"];

export function openStore(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "nonce" });
    };
    request.onsuccess = () => resolve(new Store(request.result));
    request.onerror = () => reject(request.error);
  });
}

class Store {
  constructor(db) {
    this.db = db;
  }

  run(store, mode, work) {
    if (!STORES.includes(store)) throw new Error(store);
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(store, mode);
      const request = work(tx.objectStore(store));
      tx.oncomplete = () => resolve(request?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  get(key) {
    return this.run("kv", "readonly", (s) => s.get(key));
  }

  set(key, value) {
    return this.run("kv", "readwrite", (s) => s.put(value, key));
  }

  enqueue(scan) {
    return this.run("queue", "readwrite", (s) => s.put(scan));
  }

  async queued() {
    const all = await this.run("queue", "readonly", (s) => s.getAll());
    return all.sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : a.scanned_at > b.scanned_at ? 1 : 0));
  }

  countQueued() {
    return this.run("queue", "readonly", (s) => s.count());
  }

  dequeue(nonces) {
    return this.run("queue", "readwrite", (s) => {
      for (const nonce of nonces) s.delete(nonce);
    });
  }
}
