from tests.support import ChatFactory, texts


def test_pendamping_asks_for_consultation_and_supervisor_is_alerted(chat: ChatFactory) -> None:
    sari = chat("0812-1000-0003")
    dewi = chat("0812-1000-0002")
    menu = sari.send("halo")
    assert "Halo Sari" in menu[-1].text
    assert menu[-1].options[0].label == "Minta konsultasi"
    sari.send("1")
    sari.press("Manajemen kasus")
    sari.press("Mendesak")
    sari.send("Anak KPM putus sekolah, orang tua menolak")
    sari.send("video")
    sari.send("Kamis jam 10")
    done = sari.press("Ya, kirim")
    assert "Dewi Lestari" in texts(done)
    alert = texts(dewi.inbox())
    assert "MENDESAK" in alert and "Sari Rahayu (Pogalan)" in alert
