export type BrowserFamily = 'chrome' | 'edge' | 'firefox' | 'safari' | 'other';
export type OsFamily = 'linux' | 'windows' | 'mac' | 'chromeos' | 'android' | 'ios' | 'other';

export interface Environment {
  readonly extensionVersion: string;
  readonly browser: BrowserFamily;
  /** The browser's major version (undefined when the user agent does not say). */
  readonly browserVersion: number | undefined;
  readonly os: OsFamily;
}

/** Reduces a user agent to families and a major version: nothing that tells one machine from another. */
export function describeEnvironment(userAgent: string, extensionVersion: string): Environment {
  const match = (re: RegExp) => {
    const m = re.exec(userAgent);
    return m ? Number(m[1]) : undefined;
  };
  let browser: BrowserFamily = 'other';
  let browserVersion: number | undefined;
  if (/Edg\//.test(userAgent)) [browser, browserVersion] = ['edge', match(/Edg\/(\d+)/)];
  else if (/Firefox\//.test(userAgent)) [browser, browserVersion] = ['firefox', match(/Firefox\/(\d+)/)];
  else if (/Chrom(e|ium)\//.test(userAgent))
    [browser, browserVersion] = ['chrome', match(/Chrom(?:e|ium)\/(\d+)/)];
  else if (/Safari\//.test(userAgent)) [browser, browserVersion] = ['safari', match(/Version\/(\d+)/)];
  const os: OsFamily = /Android/.test(userAgent)
    ? 'android'
    : /iPhone|iPad/.test(userAgent)
      ? 'ios'
      : /CrOS/.test(userAgent)
        ? 'chromeos'
        : /Windows/.test(userAgent)
          ? 'windows'
          : /Mac OS X|Macintosh/.test(userAgent)
            ? 'mac'
            : /Linux|X11/.test(userAgent)
              ? 'linux'
              : 'other';
  return { extensionVersion, browser, browserVersion, os };
}
