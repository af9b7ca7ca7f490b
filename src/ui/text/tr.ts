/**
 * Türkçe: en.ts'teki her metnin karşılığı (aynı anahtarlar; eksik biri derlenmez). Sayılar Türkçe biçimde
 * (1.234,5; %6); Türkçede sayıdan sonra ad tekil kalır ("2 dakika"), bu yüzden çoğul biçim gerekmez.
 * Ek alması gereken adlar (sekme başlıkları, kişi adları) ek almayacak biçimde cümleye yerleştirildi.
 */
import type { Text } from './en.js';
import type { DecisionMessage } from '../../call/quality/describe.js';

/** One formatter per number of digits: toLocaleString with options builds a new one at each call (0.26 ms vs 2 µs in Node here). */
const formats = new Map<number, Intl.NumberFormat>();
const number = (value: number, digits = 0) => {
  let format = formats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat('tr', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(digits, format);
  }
  return format.format(value);
};
/** "~120 kbps", "~1,5 Mbps". */
const rate = (kbps: number) =>
  kbps >= 1000 ? `~${number(kbps / 1000, 1)} Mbps` : `~${number(Math.round(kbps / 10) * 10)} kbps`;
/** "30 saniye", "2 dakika". */
const duration = (ms: number) => {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 90 ? `${number(seconds)} saniye` : `${number(Math.round(seconds / 60))} dakika`;
};
/** "12 bayt", "312 KiB", "1,5 GiB". */
const bytes = (n: number) => {
  if (n < 1024) return `${number(n)} bayt`;
  let value = n;
  let unit = '';
  for (const u of ['KiB', 'MiB', 'GiB']) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${number(value, Number.isInteger(value) ? 0 : 1)} ${unit}`;
};
const quoted = (title: string) => `‘${title.trim()}’`;

// Hepsi "kalite" ile biter: "-ye", "-de" ekleri her düzeye uyar.
const VIDEO_QUALITY = { high: 'tam kalite', medium: 'orta kalite', low: 'düşük kalite' } as const;
const upload = (kbps: number | undefined) => (kbps === undefined ? '' : ` (yükleme ${rate(kbps)})`);
const lost = (percent: number | undefined) => (percent === undefined ? '' : ` (~%${number(percent)} kayıp)`);
const NO_FALLBACK = ' Otomatik yalnızca ses ayarlarınızda kapalı.';

export const tr: Text = {
  locale: 'tr',
  number,

  titles: {
    popup: 'Diyalog',
    sidepanel: 'Diyalog görüşmesi',
    join: 'Diyalog görüşmesine katılın',
    options: 'Diyalog seçenekleri',
    welcome: 'Diyalog’a hoş geldiniz',
    permission: 'Diyalog — kamera ve mikrofon',
    history: 'Diyalog görüşme geçmişi',
  },

  status: {
    idle: 'Görüşme başlatmaya hazır',
    preparing: 'Kameranız açılıyor…',
    waiting: 'Birinin katılması bekleniyor',
    ready: 'Katılmaya hazır',
    connecting: 'Bağlanıyor…',
    stillConnecting: (others: number) =>
      `${number(others)} kişiye hâlâ bağlanılıyor… görüşme denemeye devam ediyor`,
    connected: 'Bağlandı',
    unstable: 'Bağlantı kararsız…',
    reconnecting: (seconds: number) => `Yeniden bağlanıyor… (${number(seconds)} sn)`,
    lost: 'Bağlantı kesildi',
    joined: (name: string) => `${name} katıldı`,
    left: (name: string) => `${name} ayrıldı`,
    ended: {
      hangup: 'Görüşme bitti',
      'remote-hangup': 'Görüşme bitti — karşı taraf kapattı',
      'peer-left': 'Görüşme bitti — karşı taraf ayrıldı ya da bağlantısı koptu',
    },
    audioOnly: 'Yalnızca ses',
    serverLost: 'sunucuya yeniden bağlanılıyor…',
  },

  errors: {
    'media-denied':
      'Diyalog’un kameranızı ve mikrofonunuzu kullanmasına izin verilmiyor. Tarayıcının site ayarlarından (adres çubuğunun solundaki simge) bu sayfa için izin verin, sonra yeniden deneyin.',
    'media-unavailable':
      'Hiçbir kamera ya da mikrofon başlatılamadı. Takılı olduğunu ve başka bir uygulamanın kullanmadığını kontrol edip yeniden deneyin.',
    'server-unreachable':
      'Diyalog sunucusuna ulaşılamıyor. İnternet bağlantınızı (ya da sunucunun çalıştığını) kontrol edip yeniden deneyin.',
    'server-error': 'Diyalog sunucusu bağlantıyı reddetti. Biraz sonra yeniden deneyin.',
    'link-invalid':
      'Bu davet bağlantısı eksik ya da bozuk. Sizi davet eden kişiden bağlantıyı yeniden kopyalamasını isteyin.',
    'room-empty':
      'Bu görüşmede bekleyen kimse yok. Sizi davet eden kişi kapatmış olabilir — ondan yeni bir bağlantı isteyin.',
    'id-taken': 'Bu görüşme başka bir pencerede zaten açık.',
    unauthorized:
      'Görüşme bu davet bağlantısını kabul etmedi: bağlantının gizli kısmı yanlış ya da eksik. Bağlantıyı yeniden isteyin ve tamamını yapıştırın.',
    busy: 'Bu görüşmede zaten biri var.',
    full: 'Bu görüşme dolu. İçeridekilerden birinin yer açmasını isteyin ya da yeni bir görüşme başlatın.',
    'connection-failed':
      'Karşı tarafa bağlanılamadı. Bir güvenlik duvarı görüşmeyi engelliyor olabilir; yeniden deneyin ya da başka bir ağdan bağlanın.',
  },

  decision(m: DecisionMessage): string {
    switch (m.kind) {
      case 'forced-audio-only':
        return 'Seçtiğiniz gibi yalnızca ses. Siz yeniden açana kadar görüntü kapalı kalır.';
      case 'forced-video': {
        const paused =
          m.pausedForMs === undefined ? 'siz yeniden açana kadar' : `${duration(m.pausedForMs)} boyunca`;
        return `İstediğiniz gibi görüntü ${VIDEO_QUALITY[m.quality]}de açık — bu bağlantıda donabilir. Otomatik yalnızca ses ${paused} duraklatıldı.`;
      }
      case 'probing-released':
        return 'Görüntü yeniden açılıyor — önce bağlantınız kontrol ediliyor…';
      case 'probing-audio':
        return 'Yalnızca ses — bağlantınızın görüntüyü yeniden taşıyıp taşıyamayacağı kontrol ediliyor…';
      case 'probing-video':
        return `Görüntü ${VIDEO_QUALITY[m.quality]}de — bağlantınızın daha iyi görüntüyü taşıyıp taşıyamayacağı kontrol ediliyor…`;
      case 'audio-only-loss':
        return `Yalnızca ses — bağlantınız görüntü için çok fazla veri kaybediyor${lost(m.lossPercent)}. Görüntü kendiliğinden geri gelecek.`;
      case 'audio-only-slow':
        return `Yalnızca ses — bağlantınız görüntü için çok yavaş${upload(m.uploadKbps)}. Görüntü kendiliğinden geri gelecek.`;
      case 'lowered-slow':
        return `Görüntü ${VIDEO_QUALITY[m.quality]}ye düşürüldü — bağlantınız yavaş${upload(m.uploadKbps)}.${m.noFallback ? NO_FALLBACK : ''}`;
      case 'lowered-loss':
        return `Görüntü ${VIDEO_QUALITY[m.quality]}ye düşürüldü — bağlantınız veri kaybediyor${lost(m.lossPercent)}.${m.noFallback ? NO_FALLBACK : ''}`;
      case 'stays':
        return `Görüntü ${VIDEO_QUALITY[m.quality]}de kalıyor — bağlantınız şu an daha fazlasını taşıyamıyor${upload(m.uploadKbps)}.`;
      case 'back-low-no-fallback':
        return 'Görüntü düşük kalitede geri geldi — otomatik yalnızca ses ayarlarınızda kapalı.';
      case 'back':
        return m.quality === 'high'
          ? 'Görüntü tam kaliteye döndü.'
          : `Görüntü ${VIDEO_QUALITY[m.quality]}de geri geldi — bağlantınız izin verdikçe kendiliğinden iyileşecek.`;
      case 'at':
        return `Görüntü ${VIDEO_QUALITY[m.quality]}de.`;
    }
  },

  call: {
    region: 'Görüşme',
    reconnectingBanner: 'Bağlantı koptu. Kendiliğinden yeniden bağlanıyor — görüşme kaldığı yerden sürecek.',
    lostBanner: 'Bağlantı kesildi. Sizin ya da karşı tarafın ağında sorun olabilir; görüşme açık tutuluyor.',
    tryAgain: 'Yeniden dene',
    tryVideo: 'Yine de görüntüyü dene',
    remoteVideo: 'Karşı tarafın görüntüsü',
    yourself: (name: string) => `${name} (siz)`,
    remoteVideoOf: (name) => `Görüntü: ${name}`,
    participants: 'Katılımcılar',
    micMuted: 'Mikrofonu kapalı',
    copyInvite: 'Davet bağlantısını kopyala',
    inviteCopied: 'Davet bağlantısı kopyalandı',
    yourVideo: 'Görüntünüz',
    cameraOff: 'Kamera kapalı',
    audioOnly: 'Yalnızca ses',
    muted: 'Mikrofonu kapalı',
    remotePaused: {
      user: 'Karşı taraf yalnızca sese geçti',
      'poor-connection': 'Karşı tarafın görüntüsü duraklatıldı: bağlantı zayıf',
    },
    remoteLowered: 'Karşı tarafın bağlantısı zayıf: görüntüsü düşük kalitede',
    mute: 'Mikrofonu kapat',
    unmute: 'Mikrofonu aç',
    cameraOffButton: 'Kamerayı kapat',
    cameraOnButton: 'Kamerayı aç',
    audioOnlyButton: 'Yalnızca ses',
    videoBackButton: 'Görüntüyü yeniden aç',
    details: 'Bağlantı ayrıntıları',
    hangUp: 'Görüşmeyi bitir',
    playSound: 'Sesi başlat',
    guest: (index: number) => `Konuk ${number(index)}`,
  },

  quality: {
    levels: {
      high: 'Tam kalite',
      medium: 'Orta kalite',
      low: 'Düşük kalite',
      'audio-only': 'Yalnızca ses',
    },
    figure: (value: number | undefined, unit: 'kbps' | 'ms' | 'fps' | '%', digits = 0) =>
      value === undefined
        ? '–'
        : unit === '%'
          ? `%${number(value, digits)}`
          : `${number(value, digits)} ${unit}`,
    mos: 'Görüşme kalitesi (MOS)',
    upload: 'Yükleme',
    uploadValue: (sent: string, room: string) => `${sent} (boş kapasite: ${room})`,
    download: 'İndirme',
    lost: 'Kayıp (gönderilen / alınan)',
    roundTrip: 'Gidiş-dönüş süresi',
    jitter: 'Gecikme dalgalanması (jitter)',
    videoSent: 'Gönderilen görüntü',
    videoReceived: 'Alınan görüntü',
    videoValue: (size: string, fps: string) => `${size}, ${fps}`,
    none: 'yok',
    sending: 'Gönderilen',
    autoFallback: 'Bağlantı zayıfken kendiliğinden yalnızca sese geç',
    barsMeasuring: 'Bağlantı kalitesi: ölçülüyor',
    bars: (bars: number) => `Bağlantı kalitesi: 5 çubuktan ${number(bars)}`,
  },

  share: {
    button: (source) => (source === 'display' ? 'Pencere ya da ekran paylaş' : 'Bu sekmeyi paylaş'),
    starting: 'Paylaşım başlıyor…',
    question: (title, source) =>
      source === 'display'
        ? 'Bir pencere ya da ekranınız görüşmede paylaşılsın mı?'
        : `${title.trim() === '' ? 'Bu sekme' : quoted(title)} görüşmede paylaşılsın mı?`,
    explanation: (source) =>
      source === 'display'
        ? 'Tarayıcı hangi pencerenin ya da ekranın gösterileceğini soracak. Siz paylaşımı durdurana kadar karşı taraf onu görür.'
        : 'Siz paylaşımı durdurana kadar karşı taraf bu sekmeyi görür ve sesini duyar. Diğer sekmeleriniz gizli kalır.',
    confirm: (source) => (source === 'display' ? 'Paylaşılacak olanı seç' : 'Sekmeyi paylaş'),
    cancel: 'İptal',
    sharing: (title, source) =>
      title.trim() === ''
        ? source === 'display'
          ? 'Bir pencere ya da ekranınız paylaşılıyor'
          : 'Bu sekme paylaşılıyor'
        : `${quoted(title)} paylaşılıyor`,
    region: 'Paylaşım',
    stop: 'Paylaşımı durdur',
    remote: (title) =>
      title.trim() === '' ? 'Karşı taraf bir sekme paylaşıyor' : `Karşı tarafın paylaştığı: ${quoted(title)}`,
    dismiss: 'Kapat',
    problems: {
      'not-invoked':
        'Chrome, Diyalog’un bir sekmeyi paylaşmasına ancak o sekme açıkken araç çubuğundaki Diyalog düğmesine tıkladığınızda izin verir. Sekmeye gidin, Diyalog düğmesine tıklayın, sonra “Bu sekmeyi paylaş”ı seçin.',
      'not-capturable':
        'Bu sekme paylaşılamaz: tarayıcılar, uzantıların kendi sayfalarını (chrome:// sayfaları, ayarlar ya da Web Mağazası gibi) göstermesine izin vermez. Göstermek istediğiniz sayfayı normal bir sekmede açıp onu paylaşın.',
      'permission-denied':
        'Tarayıcı sekmenin paylaşılmasına izin vermedi; görüşmede hâlâ kameranız görünüyor. Yeniden deneyin ve tarayıcı sorarsa izin verin.',
      'no-tab':
        'Bu pencerede paylaşılacak sekme yok. Göstermek istediğiniz sayfayı açın, sonra “Bu sekmeyi paylaş”ı seçin.',
      unsupported: 'Bu tarayıcı Diyalog’dan sekme paylaşamıyor. Görüşme kameranızla sürüyor.',
      'not-connected': 'Karşı taraf görüşmeye katılınca sekme paylaşabilirsiniz.',
      failed: 'Sekme paylaşılamadı. Yeniden deneyin; sorun sürerse önce sekmeyi yeniden yükleyin.',
    },
    ended: {
      'tab-closed': 'Paylaşım durdu: paylaşılan sekme kapatıldı. Görüşmede yeniden kameranız görünüyor.',
      'tab-navigated':
        'Paylaşım durdu: paylaşılan sekmede başka bir sayfaya geçildi. Yeni sayfayı göstermek isterseniz yeniden paylaşın.',
      'stopped-in-browser': 'Paylaşım tarayıcıdan durduruldu. Görüşmede yeniden kameranız görünüyor.',
    },
    otherFailure: (detail) => `Bu sekme paylaşılamadı: ${detail}`,
  },

  chat: {
    button: 'Sohbet',
    buttonUnread: (unread) => `Sohbet, ${number(unread)} okunmamış`,
    region: 'Sohbet',
    messages: 'Mesajlar',
    message: 'Mesaj',
    send: 'Gönder',
    you: 'Siz',
    someone: 'Biri',
    lateJoin: 'Siz katılmadan önce gönderilen mesajlar gösterilmez',
    earlier: (hidden) => `Önceki ${number(hidden)} mesajı göster`,
    empty: 'Önce bir mesaj yazın.',
    tooLong: (bytes) =>
      `Bu mesaj çok uzun (${number(bytes)} bayt; en fazla 4 KiB). Daha kısa mesajlara bölün.`,
    refusedTooLong: (name) => `${name} 4 KiB’tan uzun bir mesaj gönderdi; mesaj gösterilmedi.`,
    undelivered: (names) =>
      `Henüz iletilmedi: ${new Intl.ListFormat('tr', { type: 'conjunction' }).format(names)} — bağlantı geri gelince yeniden gönderilecek`,
  },

  files: {
    region: 'Dosyalar',
    send: 'Dosya gönder',
    input: 'Gönderilecek dosya',
    list: 'Dosya aktarımları',
    limit: (limit) =>
      `Dosyaları görüşmenin üzerine de bırakabilirsiniz. En fazla ${bytes(limit)} boyutundaki dosyalar alınabilir (kaydedilene kadar bellekte tutulur).`,
    dropHint: 'Görüşmedeki herkese göndermek için bırakın',
    from: (who, size) => `Gönderen: ${who}, ${bytes(size)}`,
    to: (who, size) => `Alıcı: ${who}, ${bytes(size)}`,
    someone: 'Biri',
    percent: (percent) => `%${number(percent)}`,
    speed: (bytesPerSecond) => `${number(bytesPerSecond / 1e6, 1)} MB/sn`,
    left: (seconds) =>
      seconds < 60 ? `${number(Math.ceil(seconds))} sn kaldı` : `${number(Math.ceil(seconds / 60))} dk kaldı`,
    paused: ' — bağlantı geri gelene kadar duraklatıldı',
    waiting: ' — karşı tarafın kabul etmesi bekleniyor',
    received: 'Alındı ve doğrulandı',
    sent: 'Gönderildi',
    accept: 'Kabul et',
    decline: 'Reddet',
    cancel: 'İptal',
    save: 'Kaydet',
    notice(n) {
      const who = 'who' in n ? (n.who ?? 'Biri') : '';
      switch (n.code) {
        case 'too-big':
          return `${quoted(n.name)} ${bytes(n.limit)} boyutundan büyük; bu tarayıcı bir görüşmede en fazla bu kadarını alabilir. Dosya reddedildi.`;
        case 'declined':
          return `Dosya reddedildi: ${who}.`;
        case 'cancelled-by':
          return `Aktarımı iptal eden: ${who}.`;
        case 'cancelled-by-you':
          return 'Aktarımı iptal ettiniz.';
        case 'left':
          return `Görüşmeden ayrıldı: ${who}. Aktarım durdu.`;
        case 'damaged':
          return 'Dosya bozuk geldi (SHA-256 değeri gönderilenle uyuşmuyor); saklanmadı.';
        case 'refused-there':
          return `Karşı tarafın tarayıcısı aktarımı reddetti (${who}).`;
        case 'damaged-there':
          return `Dosya karşı tarafa bozuk ulaştı ve saklanmadı (${who}).`;
        case 'short':
          return `Aktarım ${bytes(n.size)} dosyanın ${number(n.got)} baytında bitti; dosya saklanmadı.`;
        case 'overrun':
          return `Gönderen, bildirdiği ${bytes(n.size)} boyutundan fazlasını gönderdi; aktarım durduruldu.`;
        case 'gap':
          return 'Dosyanın parçaları sırasız geldi; aktarım durduruldu.';
        case 'unknown':
          return `Var olmayan ya da reddedilmiş bir aktarım için dosya verisi geldi (${who}); yok sayıldı.`;
        case 'duplicates':
          return `${number(n.count)} tekrarlanan parça yok sayıldı.`;
        case 'read-failed':
          return 'Dosya artık okunamıyor (taşındı ya da silindi mi?); aktarım durduruldu.';
        case 'check-failed':
          return 'Bu tarayıcı, dosyayı denetlemek için SHA-256 değerini hesaplayamadı; aktarım durduruldu.';
        case 'no-channel':
          return `Karşı tarafın tarayıcısı bu görüşmede dosya alamıyor (${who}).`;
      }
    },
  },

  diagnostics: {
    hideAddresses: 'Ağ adreslerini gizle',
    save: 'Tanılama dosyasını kaydet',
    saved: (kilobytes, redacted) =>
      `Kaydedildi (${number(kilobytes)} KB). İçinde davet bağlantısı, anahtar${redacted ? ' ya da ağ adresi' : ''} yok.`,
  },

  feedback: {
    title: 'Görüşme nasıldı?',
    ratingGroup: '1’den 5’e puan',
    ratings: { 1: 'Çok kötü', 2: 'Kötü', 3: 'İdare eder', 4: 'İyi', 5: 'Çok iyi' },
    wrong: 'Ne ters gitti? (isteğe bağlı)',
    tags: {
      'video froze': 'Görüntü dondu',
      "couldn't hear": 'Ses duyulmadı',
      echo: 'Yankı vardı',
      "couldn't connect": 'Bağlanılamadı',
    },
    send: 'Yanıtı gönder',
    skip: 'Geç',
    note: 'Yanıtınız bu bilgisayardaki görüşme geçmişinizde kalır.',
    thanks: 'Teşekkürler — yanıtınız görüşme geçmişinizde.',
  },

  popup: {
    startCall: 'Görüşme başlat',
    openPanel: 'Görüşme panelini aç',
    shareTab: 'Bu sekmeyi paylaş',
    copied: 'Davet bağlantısı kopyalandı. Görüşmek istediğiniz kişiye yapıştırıp gönderin.',
    notCopied: 'Davet bağlantısı kopyalanamadı. Yan panelden kopyalayın.',
    noPanel: 'Bu tarayıcıda Diyalog için yan panel yok: Chrome 116 veya üstünü ya da Firefox’u kullanın.',
    panelFailed: (detail) => `Görüşme paneli açılamadı: ${detail}`,
    shortcut: ['Kısayol: ', ' bir görüşme başlatır ya da paneli açar.'],
    noShortcut: 'Tarayıcının uzantı kısayolu ayarlarından Diyalog için bir klavye kısayolu atayın.',
    history: 'Görüşme geçmişi',
    join: 'Bir görüşmeye katıl',
    joinPlaceholder: 'Davet bağlantısını yapıştırın',
    joinCall: 'Görüşmeye katıl',
    joinEmpty: 'Size gönderilen davet bağlantısını yapıştırın, sonra “Görüşmeye katıl”a tıklayın.',
  },

  sidepanel: {
    history: 'Görüşme geçmişi',
    needsPermission:
      'Diyalog’un kameranıza ve mikrofonunuza erişmesi gerekiyor. Az önce açılan sekmede izin verin.',
    cameraSlow:
      'Kameranız açılmadı. Tarayıcı burada soramadığı bir izni bekliyor olabilir: “Kamera ve mikrofona izin ver”e tıklayın, tarayıcı sunuyorsa “Bu kararı hatırla”yı işaretleyin ve izin verin.',
    allow: 'Kamera ve mikrofona izin ver',
    lead: 'Bir görüşme başlatın, bağlantıyı gönderin; karşı taraf açar açmaz konuşun. Hesap gerekmez.',
    yourName: 'Adınız',
    namePlaceholder: 'Görüşmelerde diğer kişilere gösterilir',
    startCall: 'Görüşme başlat',
    settings: 'Ayarlar',
    serverUrl: 'Sunucu adresi',
    saveServer: 'Sunucuyu kaydet',
    inviteLink: 'Davet bağlantısı',
    copyLink: 'Davet bağlantısını kopyala',
    linkCopied: 'Bağlantı kopyalandı. Görüşmek istediğiniz kişiye yapıştırıp gönderin.',
    sendLink: 'Bu bağlantıyı görüşmek istediğiniz kişiye gönderin.',
    hangUp: 'Görüşmeyi bitir',
    tryAgain: 'Yeniden dene',
    newCall: 'Yeni görüşme başlat',
  },

  join: {
    heading: 'Diyalog görüşmesine katılın',
    insecure:
      'Bu görüşme sayfası güvenli olmayan bir bağlantıyla açıldı; bu yüzden tarayıcı kameranızı kullandırmıyor. Diyalog sunucusuna HTTPS ile ulaşılmalı: sunucuyu çalıştıran kişiye haber verin.',
    nobodyYet: 'Bu görüşmede henüz kimse yok. Sizi davet eden kişi gelir gelmez katılabilirsiniz.',
    joinCall: 'Görüşmeye katıl',
    yourName: 'Adınız',
    namePlaceholder: 'Görüşmedeki diğer kişilere gösterilir',
    closeTab: 'Bu sekmeyi kapatabilirsiniz.',
    tryAgain: 'Yeniden dene',
    footer:
      'Görüntü ve ses, uçtan uca şifreli olarak doğrudan sizinle görüşmedeki diğer kişiler arasında gider.',
  },

  settings: {
    serverUrlInvalid: 'Sunucu adresi http:// ya da https:// ile başlamalı',
  },

  options: {
    heading: 'Diyalog seçenekleri',
    you: 'Siz',
    name: 'Adınız',
    namePlaceholder: 'Görüştüğünüz kişilere gösterilir',
    media: 'Kamera ve mikrofon',
    camera: 'Kamera',
    microphone: 'Mikrofon',
    browserDefault: 'Tarayıcının varsayılanı',
    cameraN: (n) => `Kamera ${number(n)}`,
    microphoneN: (n) => `Mikrofon ${number(n)}`,
    preview: 'Kamera önizlemesi',
    level: 'Mikrofon seviyesi',
    stopTest: 'Testi durdur',
    test: 'Kameramı ve mikrofonumu dene',
    testDenied: 'Tarayıcı kameraya ve mikrofona izin vermedi. Diyalog için izin verip yeniden deneyin.',
    testUnavailable:
      'Hiçbir kamera ya da mikrofon başlatılamadı. Takılı olduğunu ve başka bir uygulamanın kullanmadığını kontrol edin.',
    calls: 'Görüşmeler',
    serverUrl: 'Sunucu adresi',
    saveServer: 'Sunucuyu kaydet',
    serverSaved: 'Sunucu adresi kaydedildi.',
    joinPageUrl: 'Katılma sayfası adresi (isteğe bağlı)',
    joinPagePlaceholder: 'Sunucunun kendi sayfası',
    joinPageHint:
      'Yalnızca sunucunuzu işleten kişi katılma sayfasını ayrı bir adresten sunuyorsa: davet bağlantıları o adreste açılır.',
    saveJoinPage: 'Katılma sayfasını kaydet',
    joinPageSaved: 'Katılma sayfası adresi kaydedildi.',
    nameSaved: 'Adınız kaydedildi.',
    saved: 'Kaydedildi.',
    devicesSaved: 'Kamera ve mikrofon kaydedildi.',
  },

  permission: {
    heading: 'Diyalog için kamera ve mikrofon',
    intro: (sidebar) =>
      `Diyalog’un ${sidebar ? 'kenar çubuğu' : 'yan paneli'} kameranızı ve mikrofonunuzu kendisi isteyemez; bu yüzden tarayıcı bir kereliğine burada soruyor. Görüntünüz ve sesiniz hiçbir sunucuya değil, doğrudan görüştüğünüz kişiye gider.`,
    firefoxRemember:
      'Firefox’un sorusunda “İzin ver”e tıklamadan önce “Bu kararı hatırla”yı işaretleyin: kenar çubuğu yeniden soramaz, işaretlemezseniz görüşmeniz başlayamaz.',
    asking: 'Tarayıcının sorusuna yanıt vermeniz bekleniyor…',
    granted: (sidebar) =>
      `Teşekkürler — görüşmeniz ${sidebar ? 'kenar çubuğunda' : 'yan panelde'} başlıyor. Bu sekmeyi kapatabilirsiniz.`,
    denied:
      'Erişim reddedildi. Adres çubuğunun sağındaki kamera simgesine (ya da solundaki site ayarları simgesine) tıklayın, kameraya ve mikrofona izin verin, sonra yeniden deneyin.',
    unavailable:
      'Hiçbir kamera ya da mikrofon başlatılamadı. Takılı olduğunu ve başka bir uygulamanın kullanmadığını kontrol edin.',
    tryAgain: 'Yeniden dene',
  },

  welcome: {
    heading: 'Diyalog’a hoş geldiniz',
    lead: 'Tek tıkla görüntülü görüşme: bir bağlantı gönderin, açan kişiyle konuşun. Hesap gerekmez.',
    pinHeading: 'Diyalog’u araç çubuğuna sabitleyin',
    pinFirefox: [
      'Araç çubuğundaki Uzantılar düğmesine (yapboz parçası), sonra Diyalog’un yanındaki dişli simgesine tıklayın ve ',
      'Araç çubuğuna sabitle',
      ' seçeneğini seçin.',
    ],
    pinChrome: [
      'Adres çubuğunun sağındaki Uzantılar düğmesine (yapboz parçası), sonra ',
      'Diyalog',
      ' yanındaki raptiyeye tıklayın.',
    ],
    startHeading: 'Görüşme başlatın',
    start: {
      before: 'Diyalog düğmesine, sonra ',
      button: 'Görüşme başlat',
      afterButton: '’a tıklayın',
      shortcutBefore: ' ya da ',
      shortcutAfter: ' tuşlarına basın',
      after: (sidebar) =>
        `. Davet bağlantısı kopyalanır ve siz beklerken ${sidebar ? 'kenar çubuğunda' : 'yan panelde'} kameranız görünür.`,
    },
    sendHeading: 'Bağlantıyı gönderin',
    send: [
      'Bağlantıyı görüşmek istediğiniz kişiye yapıştırıp gönderin. Kişi bağlantıyı herhangi bir tarayıcıda açıp ',
      'Görüşmeye katıl',
      '’a tıklar; birbirinizi görür ve duyarsınız.',
    ],
    note: (firefox) => [
      `İlk görüşme kameranız ve mikrofonunuz için bir kez izin ister${firefox ? ': kenar çubuğunun bunları kullanabilmesi için “Bu kararı hatırla”yı işaretleyin' : ''}. Görüntü ve ses doğrudan iki tarayıcı arasında gider; Diyalog sunucusu`,
      'yalnızca sizi tanıştırır.',
    ],
    options: 'Seçenekler: adınız, kameranız, sunucu',
  },

  history: {
    heading: 'Görüşme geçmişi',
    totals: 'Toplamlar',
    calls: 'Görüşmeler',
    joined: 'Bağlanan görüşmeler',
    averageBitrate: 'Ortalama bit hızı',
    averageMos: 'Ortalama görüşme kalitesi (MOS)',
    incidents: 'Kalite düşüşleri',
    legendMos: 'Görüşme kalitesi (MOS, 1–5)',
    legendBitrate: 'Bit hızı (gönderilen + alınan)',
    empty: 'Henüz görüşme yok. Yaptığınız görüşmeler, nasıl geçtikleriyle birlikte burada görünür.',
    duration: (seconds) =>
      seconds < 60
        ? `${number(seconds)} sn`
        : `${number(Math.floor(seconds / 60))} dk ${number(seconds % 60)} sn`,
    percent: (fraction) => `%${number(fraction * 100)}`,
    kbps: (kbps) => `${kbps} kbps`,
    participants: (n) => `${number(n)} katılımcı`,
    notConnected: 'Bağlanamadı',
    mos: (mos) => `MOS ${mos}`,
    audioOnly: (seconds) => `${number(seconds)} sn yalnızca ses`,
    reconnects: (n) => `${number(n)} yeniden bağlanma`,
    rated: (rating, tags) => `Puan: ${number(rating)}/5${tags === '' ? '' : ` – ${tags}`}`,
    notRated: 'Puanlanmadı',
    noQuality: 'Bu görüşmede kalite ölçülmedi',
    chart: (minMos, maxMos, maxKbps) =>
      `MOS ${minMos} ile ${maxMos} arasında; bit hızı en çok ${maxKbps} kbps`,
    settings: 'Ayarlar',
    sendReports:
      'Her görüşmenin özetini sunucuya gönder (süre, kalite, puan, tarayıcı türü — ad, bağlantı ya da adres yok)',
    clear: 'Geçmişi temizle',
    clearConfirm: 'Bu bilgisayardaki tüm görüşmelerin geçmişi silinsin mi?',
  },
};
